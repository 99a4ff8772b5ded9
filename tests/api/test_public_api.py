"""wt_api's public names and signatures are a snapshot: a change to them is deliberate.

After changing the public API on purpose, rewrite the snapshot and review its diff::

    python tests/api/test_public_api.py --write
"""

from __future__ import annotations

import enum
import inspect
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("public_api.txt")


def _signature(obj: object) -> str:
    try:
        return str(inspect.signature(obj))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "(...)"


def render() -> str:
    """One line per public name of wt_api, and per public member of its classes."""
    import wt_api  # (imported here so that the --write mode works outside pytest)

    lines = []
    for name in sorted(wt_api.__all__):
        obj = getattr(wt_api, name)
        if isinstance(obj, type) and issubclass(obj, enum.Enum):
            lines.append(f"enum {name}: {', '.join(member.name for member in obj)}")
        elif isinstance(obj, type):
            bases = ", ".join(b.__name__ for b in obj.__bases__ if b is not object)
            lines.append(f"class {name}({bases})")
            members: dict[str, object] = {}
            for cls in reversed(obj.__mro__):  # what wt_api's own bases give it is its API too
                if cls is obj or cls.__module__.startswith("wt_api."):
                    members.update(vars(cls))
            for attr, value in sorted(members.items()):
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(value, property):
                    lines.append(f"    property {attr}")
                elif isinstance(value, (staticmethod, classmethod)):
                    lines.append(f"    {type(value).__name__} {attr}{_signature(value.__func__)}")
                elif callable(value):
                    lines.append(f"    def {attr}{_signature(value)}")
                else:
                    lines.append(f"    attribute {attr}")
        elif type(obj).__module__ == "typing":
            lines.append(f"alias {name} = {obj!r}")
        elif callable(obj):
            lines.append(f"def {name}{_signature(obj)}")
        else:
            lines.append(f"constant {name}: {type(obj).__name__}")
    return "\n".join(lines) + "\n"


def test_all_is_one_sorted_list() -> None:
    import wt_api

    assert wt_api.__all__ == sorted(wt_api.__all__, key=lambda n: (n.lower(), n)), "keep wt_api.__all__ sorted"
    assert len(set(wt_api.__all__)) == len(wt_api.__all__)


def test_the_public_api_matches_its_snapshot() -> None:
    current = render()
    assert SNAPSHOT.read_text() == current, (
        "wt_api's public API changed; if on purpose, run `python tests/api/test_public_api.py --write` "
        "and review the diff of tests/api/public_api.txt")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    SNAPSHOT.write_text(render())
    print(f"wrote {SNAPSHOT}")
