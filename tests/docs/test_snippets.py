"""Every ```python block of the README, the packages' READMEs and the guides runs as written,
each alone in an empty directory (given the files its prose points to)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from .snippets import FILES_MARK, ROOT, Snippet, all_snippets, python_blocks, run

SNIPPETS = all_snippets()


def test_the_readme_has_blocks_to_run() -> None:
    assert len(python_blocks(ROOT / "README.md")) >= 4


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.id for s in SNIPPETS])
def test_block_runs(snippet: Snippet, tmp_path: Path) -> None:
    result = run(snippet, sys.executable, tmp_path / "work", dict(os.environ))
    assert result.returncode == 0, f"{snippet.id} failed:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    prose = "\n".join(line for line in snippet.path.read_text(encoding="utf-8").splitlines()
                      if not line.startswith(FILES_MARK))
    for name in snippet.files:
        assert name in prose, f"{snippet.id} needs {name}: its prose must say where to get it"
