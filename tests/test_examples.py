"""Every example runs as a subprocess, from any directory; README snippets stay identical
to the examples (but for how the WASI one finds program.wat)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optional import require_extra

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "simple.py": "5 + 7 = 12\n",
    "wasi.py": "hello from wasm: arg1\nhello from wasm: KEY=value\n",
    "pool.py": ("fork: 40 results, the same as a serial loop: True\n"
                "spawn: 40 results, the same as a serial loop: True\n"),
    "dask_map.py": "dask: 40 results, the same as a serial loop: True\n",
    "ray_map.py": "ray: 40 results, the same as a serial loop: True\n",
    "runaway.py": ("compiled 1x, loaded from the cache 2x\n"
                   "timeout: the wasm call ran past its timeout of 0.1 s and was stopped\n"
                   "memory.grow: [1, -1]\n"
                   "fuel: OUT_OF_FUEL - left: 0\n"),
}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_runs(name: str, tmp_path: Path) -> None:
    for extra in re.findall(r'pip install "wt-api\[(\w+)\]"', (ROOT / "examples" / name).read_text()):
        require_extra(extra)  # the Dask and Ray examples
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name)], capture_output=True, text=True,
                            timeout=120, env=os.environ, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert name in EXPECTED, f"add the expected output of examples/{name} to EXPECTED"
    assert result.stdout == EXPECTED[name]


@pytest.mark.parametrize("name", ["simple.py", "wasi.py"])
def test_readme_snippets_are_the_examples(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    example = (ROOT / "examples" / name).read_text()
    body = example.split('"""', 2)[2].lstrip("\n")
    # The example finds program.wat beside itself (it runs from any directory); the README's
    # block names it in the current directory, where its prose says to save it.
    body = body.replace("from pathlib import Path\n\n", "").replace(
        'program = Path(__file__).with_name("program.wat")', 'program = "program.wat"')
    assert body in blocks
