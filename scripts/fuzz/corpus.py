"""Where a case's module comes from: the WebAssembly testsuite (``../shared/spectest``
beside the repository, or ``WT_SPECTEST_DIR``), ``wasm-tools smith``, or our own generator;
each with the WebAssembly features it needs."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

from . import gen, mutate, smith

ROOT = Path(__file__).resolve().parents[2]

WASM3 = {"bulk_memory": True, "multi_value": True, "reference_types": True, "simd": True, "relaxed_simd": True,
         "tail_call": True, "function_references": True, "gc": True, "exceptions": True, "memory64": True,
         "multi_memory": True, "extended_const": True}
"""What the testsuite's core scripts need (as tests/spec/runner.py switches them)."""
PROPOSALS = {
    "threads": {"threads": True, "reference_types": False, "multi_memory": False},
    "custom-page-sizes": {**WASM3, "custom_page_sizes": True},
    "wide-arithmetic": {**WASM3, "wide_arithmetic": True},
}
_VALID = ("module", "module_definition", "assert_unlinkable", "assert_uninstantiable", "assert_trap",
          "assert_exhaustion")


def spectest_dir() -> Path:
    """The testsuite: ``WT_SPECTEST_DIR``, else ``../shared/spectest`` beside the repository."""
    return Path(os.environ.get("WT_SPECTEST_DIR") or ROOT.parent / "shared" / "spectest")


@dataclass(frozen=True)
class Entry:
    """One binary module of the testsuite: path relative to the suite, features, validity."""

    path: str
    proposal: str
    valid: bool


def index(root: Path) -> list[Entry]:
    """Every binary module the testsuite's scripts name."""
    entries: dict[str, Entry] = {}
    for script in sorted(root.glob("**/*.json")):
        if script.stem != script.parent.name:
            continue
        rel = script.parent.relative_to(root).parts
        proposal = rel[1] if rel[0] == "proposals" else ""
        if proposal == "custom-descriptors":
            continue  # wasmtime 50 does not implement it
        for command in json.loads(script.read_text())["commands"]:
            name = command.get("filename")
            if not name or not name.endswith(".wasm"):
                continue
            path = str((script.parent / name).relative_to(root))
            entries[path] = Entry(path, proposal, command["type"] in _VALID)
    return list(entries.values())


@dataclass(frozen=True)
class Source:
    """A case's module: bytes (or WAT text), the features to switch on, and where it came from."""

    data: bytes | str
    features: dict[str, bool]
    origin: str


class Corpus:
    """Picks and mutates a module for each case."""

    def __init__(self, root: Path | None, entries: list[Entry], tool: str | None) -> None:
        self.root = root
        self.valid = [e for e in entries if e.valid]
        self.invalid = [e for e in entries if not e.valid]
        self.tool = tool

    def _spectest(self, rng: random.Random) -> tuple[bytes, dict[str, bool], str] | None:
        if self.root is None or not self.valid:
            return None
        entry = rng.choice(self.invalid if self.invalid and rng.random() < 0.08 else self.valid)
        data = (self.root / entry.path).read_bytes()
        return data, dict(PROPOSALS.get(entry.proposal, WASM3)), entry.path

    def donor_bytes(self, rng: random.Random) -> bytes:
        """Another testsuite module (for splicing), or a minimal one."""
        picked = self._spectest(rng)
        return picked[0] if picked else b"\0asm\x01\0\0\0"

    def pick(self, rng: random.Random) -> Source:
        """A module for one case, mutated about half of the time."""
        roll = rng.random()
        picked: tuple[bytes | str, dict[str, bool], str] | None = None
        if roll < 0.3 or (roll < 0.45 and self.tool is None):
            text, features = gen.module(rng)
            picked = text, features, "generated"
            if self.tool is not None and rng.random() < 0.3:
                binary = smith.parse(self.tool, text)
                if binary is not None:
                    picked = binary, features, "generated"
        elif roll < 0.45 and self.tool is not None:
            made = smith.smith(self.tool, rng)
            if made is not None:
                picked = made[0], made[1], "smith"
        if picked is None:
            picked = self._spectest(rng)
        if picked is None:
            text, features = gen.module(rng)
            picked = text, features, "generated"
        data, features, origin = picked
        if isinstance(data, bytes) and rng.random() < 0.5:
            data, how = mutate.mutate(rng, data, lambda: self.donor_bytes(rng))
            origin += f" mutated ({how})"
        return Source(data, features, origin)
