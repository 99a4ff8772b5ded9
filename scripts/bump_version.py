"""Move the four distributions to a new version together: ``python scripts/bump_version.py 0.2.0``.

Rewrites each ``packages/*/pyproject.toml`` version, the exact ``wt-*==`` pins between
them, and the ``__version__`` strings, so the siblings always move in lockstep.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bump(version: str) -> list[Path]:
    if not re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", version):
        raise SystemExit(f"not a version: {version!r}")
    changed = []
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        text = pyproject.read_text()
        new = re.sub(r'^version = "[^"]+"', f'version = "{version}"', text, count=1, flags=re.M)
        new = re.sub(r'"(wt-[a-z]+)==[^"]+"', rf'"\1=={version}"', new)
        if new != text:
            pyproject.write_text(new)
            changed.append(pyproject)
    for init in sorted(ROOT.glob("packages/*/src/*/__init__.py")):
        text = init.read_text()
        new = re.sub(r'^__version__ = "[^"]+"', f'__version__ = "{version}"', text, flags=re.M)
        if new != text:
            init.write_text(new)
            changed.append(init)
    return changed


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for path in bump(sys.argv[1]):
        print(f"updated {path.relative_to(ROOT)}")
