"""The API reference documents every public name of wt_api, by its public path."""

from __future__ import annotations

import re

import wt_api
import wt_loader
import wt_wasi

from .snippets import ROOT

REFERENCE = ROOT / "docs" / "reference"


def documented(package: str) -> set[str]:
    return {m.group(1) for page in REFERENCE.glob("*.md")
            for m in re.finditer(rf"^::: {package}\.(\w+)$", page.read_text(encoding="utf-8"), re.M)}


def test_every_public_name_has_an_entry() -> None:
    assert set(wt_api.__all__) - documented("wt_api") == set()
    assert set(wt_wasi.__all__) - documented("wt_wasi") == set()
    assert set(wt_loader.__all__) - {"WtError", "LoaderError"} - documented("wt_loader") == set()


def test_entries_name_public_paths_only() -> None:
    """``wt_api.Runtime``, never a module path such as ``wt_api.runtime.Runtime`` (the modules
    behind the public names are private and may be renamed)."""
    public = {"wt_api": set(wt_api.__all__), "wt_wasi": set(wt_wasi.__all__), "wt_loader": set(wt_loader.__all__)}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for m in re.finditer(r"\b(wt_api|wt_wasi|wt_loader)\.([A-Za-z_]\w*)", page.read_text(encoding="utf-8")):
            package, name = m.groups()
            assert name in public[package], f"{page.relative_to(ROOT)} names {m.group(0)}, not a public name"
