#!/usr/bin/env bash
# Install Debian's clang, lld and wasi-libc so the tests can build C programs for
# wasm32-wasi. Does nothing when the toolchain already works. Needs root (apt-get).
set -euo pipefail

probe() {
    local dir
    dir=$(mktemp -d)
    printf 'int main(void){return 0;}\n' > "$dir/probe.c"
    clang --target=wasm32-wasi -O2 -o "$dir/probe.wasm" "$dir/probe.c" >/dev/null 2>&1
    local ok=$?
    rm -rf "$dir"
    return $ok
}

if command -v clang >/dev/null 2>&1 && probe; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "setup-wasi-toolchain: run as root (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32 >/dev/null
probe || { echo "setup-wasi-toolchain: clang still cannot build for wasm32-wasi" >&2; exit 1; }
echo "setup-wasi-toolchain: clang, lld and wasi-libc installed"
