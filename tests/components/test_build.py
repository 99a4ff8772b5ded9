"""The test-component builder: cached by a content hash, rebuilt when a source changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from . import build as builder


def test_a_built_component_is_reused(component_path: Any) -> None:
    path = component_path("c-command")
    mtime = path.stat().st_mtime_ns
    assert builder.build("c-command") == path
    assert path.stat().st_mtime_ns == mtime  # not built again
    assert path.name == f"c-command-{builder.digest(builder.SPECS['c-command'])}.wasm"


def test_the_digest_covers_sources_and_tool_versions(tmp_path: Path, monkeypatch: Any) -> None:
    source = tmp_path / "c" / "command.c"
    source.parent.mkdir()
    shutil.copy(builder.SPECS["c-command"].sources[0], source)
    monkeypatch.setattr(builder, "HERE", tmp_path)
    spec = builder.Spec("probe", "c-command", (source,))
    first = builder.digest(spec)
    assert builder.digest(spec) == first
    source.write_text(source.read_text() + "\n/* changed */\n")
    assert builder.digest(spec) != first
    changed = builder.digest(spec)
    monkeypatch.setattr(builder, "JCO_VERSION", "0.0.0")
    assert builder.digest(spec) != changed
