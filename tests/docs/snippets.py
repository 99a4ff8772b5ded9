"""The fenced ```python blocks of the project's Markdown (README.md, each package's README,
the guides under docs/), each to be run on its own, as written, in an empty directory.

A block that needs files says so in its prose and, for the runner, in an HTML comment on
the line before it: ``<!-- snippet-files: examples/program.wat -->`` copies those files
(paths from the repository's root) into the directory first.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES_MARK = "<!-- snippet-files:"


@dataclass(frozen=True)
class Snippet:
    """One ```python block: where it is, its code, and the files it needs."""

    path: Path
    line: int
    code: str
    files: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def markdown_files() -> list[Path]:
    """README.md, the packages' READMEs and the guides."""
    return [ROOT / "README.md", *sorted(ROOT.glob("packages/*/README.md")), *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks(path: Path) -> list[Snippet]:
    """Every ```python block of ``path``, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            files: tuple[str, ...] = ()
            if i and lines[i - 1].startswith(FILES_MARK):
                files = tuple(lines[i - 1].removeprefix(FILES_MARK).removesuffix("-->").split())
            found.append(Snippet(path, start, "\n".join(lines[start:end]) + "\n", files))
            i = end
        i += 1
    return found


def all_snippets() -> list[Snippet]:
    return [s for path in markdown_files() for s in python_blocks(path)]


def run(snippet: Snippet, python: str, directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``snippet`` with ``python`` in ``directory`` (made if missing), with its files."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in snippet.files:
        shutil.copy(ROOT / name, directory / Path(name).name)
    script = directory / "snippet.py"
    script.write_text(snippet.code, encoding="utf-8")
    return subprocess.run([python, str(script)], cwd=directory, capture_output=True, text=True, env=env,
                          timeout=300)
