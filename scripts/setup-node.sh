#!/usr/bin/env bash
# Install Node.js and npm (Debian's packages) so the tests can install jco, which adapts a
# C program to a WASI 0.2 component. Does nothing when node and npm are already on PATH.
# Needs root (apt-get).
set -euo pipefail

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "setup-node: run as root (apt-get install nodejs npm), or put node and npm on PATH" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq nodejs npm >/dev/null
echo "setup-node: $(node --version), npm $(npm --version) installed"
