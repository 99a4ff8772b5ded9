"""The README's install commands work in a fresh virtual environment with an empty home
directory; then every README block and every example runs there, from any directory.

Slow (a venv, a pip upgrade, four builds, requests and the wasmtime wheel from the index,
and the extras the Dask and Ray examples ask for: about a minute and a half): it runs in the default ``tests`` session of nox, on each Python, because
each Python's venv brings a different pip (23.0.1 with 3.10, 23.2.1 with 3.11 and 3.12.1,
24.2 with 3.13.0) and the install commands must work with each.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .snippets import ROOT, all_snippets, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("WT_TESTS_OFFLINE") == "1",
                       reason="installs from the package index, which this environment cannot reach "
                              "(WT_TESTS_OFFLINE=1: the aarch64 root)"),
]


def install_commands() -> str:
    """The first ```sh block of the README's Install section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README's Install section has no ```sh block"
    return match.group(1)


def test_install_then_every_block_and_example(tmp_path: Path) -> None:
    # A checkout: what the commands and the examples read (the packages, the examples).
    checkout = tmp_path / "checkout"
    for part in ("packages", "examples"):
        shutil.copytree(ROOT / part, checkout / part,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist"))
    home = tmp_path / "home"
    home.mkdir()
    bin_dir = tmp_path / "bin"  # `python3` is the Python under test
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {"HOME": str(home), "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
           "LANG": "C.UTF-8"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT", "SSL_CERT_FILE",
                 "REQUESTS_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy",
                 "no_proxy", "TMPDIR"):
        if name in os.environ:  # how this machine reaches the package index
            env[name] = os.environ[name]
    script = "set -euo pipefail\n" + install_commands()
    installed = subprocess.run(["bash", "-c", script], cwd=checkout, env=env, capture_output=True, text=True,
                               timeout=900)
    assert installed.returncode == 0, f"the README's install commands failed:\n{installed.stdout}\n{installed.stderr}"

    python = str(checkout / ".venv" / "bin" / "python")
    run_env = {**env, "VIRTUAL_ENV": str(checkout / ".venv")}
    failures = []
    for i, snippet in enumerate(s for s in all_snippets() if s.path == ROOT / "README.md"):
        result = run(snippet, python, tmp_path / f"block-{i}", run_env)
        if result.returncode != 0:
            failures.append(f"{snippet.id}:\n{result.stderr}")
    for example in sorted((checkout / "examples").glob("*.py")):
        # An example that needs an extra says so (`pip install "wt-api[dask]"`): do as it says,
        # from the checkout, as for the README's install.
        for extra in re.findall(r'pip install "wt-api\[(\w+)\]"', example.read_text(encoding="utf-8")):
            added = subprocess.run([python, "-m", "pip", "install", "-q", f"./packages/wt-api[{extra}]"],
                                   cwd=checkout, env=run_env, capture_output=True, text=True, timeout=900)
            assert added.returncode == 0, f"installing wt-api[{extra}] failed:\n{added.stderr}"
        where = tmp_path / f"run-{example.stem}"
        where.mkdir()
        result = subprocess.run([python, str(example)], cwd=where, env=run_env, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            failures.append(f"examples/{example.name}:\n{result.stderr}")
    assert not failures, "\n".join(failures)
    # The library came from the wasmtime wheel ([bundled]) into the empty home's cache.
    assert list((home / ".cache" / "wt").glob("wasmtime-50.0.1/*/libwasmtime.*"))
