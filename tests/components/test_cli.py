"""``wt-wasm run`` with components: WASI 0.2 commands (detected from the binary) with the
options modules have, and ``--invoke 'name(args)'`` with WAVE arguments and results."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from . import build as builder

VALUES = "wt:kitchen/values@0.1.0"


def wt_wasm(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    cache = str(builder.cache_dir() / "wt-compiled")  # (the fixtures' cache: compiled once per machine)
    argv = (argv[0], "--cache-dir", cache, *argv[1:])
    return subprocess.run([sys.executable, "-m", "wt_wasi", *argv], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


@pytest.mark.parametrize("name", ["command", "c-command"])
def test_a_command_component_runs_with_the_options_of_modules(component_path: Callable[[str], Path],
                                                              tmp_path: Path, name: str) -> None:
    (tmp_path / "note.txt").write_text("from a file\n")
    path = component_path(name)
    result = subprocess.run([sys.executable, "-m", "wt_wasi", "run", "--cache-dir",
                             str(builder.cache_dir() / "wt-compiled"), "--dir", f"{tmp_path}::.", "--env",
                             "GREETING=hi", str(path), "note.txt", "--an-option"], input="typed in", capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["args: note.txt --an-option", "greeting: hi", "stdin: typed in",
                                          "file: from a file"]
    assert result.stderr.endswith("to stderr\n")  # (after a notice, if this run compiled it)
    failed = wt_wasm("run", "--dir", f"{tmp_path}::.", "--env", "EXIT=3", str(path), "note.txt")
    assert failed.returncode == 1  # WASI 0.2 reports a failed exit as 1


def test_a_read_only_directory(component_path: Callable[[str], Path], tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("x")
    result = wt_wasm("run", "--dir-ro", f"{tmp_path}::.", "--env", "WRITE=out.txt",
                     str(component_path("c-command")), "note.txt")
    assert result.returncode == 0 and "write: denied" in result.stdout and not (tmp_path / "out.txt").exists()


INVOKE = [
    ("version()", "\"reactor 0.1.0\""),
    ("version", "\"reactor 0.1.0\""),  # no arguments: the parentheses may go
    (f"{VALUES}#add(2, -5)", "-3"),
    (f"{VALUES}#echo-person({{name: \"ann\", age: 3, tags: [\"a\", \"b\"], score: 1.5}})",
     "{name: \"ann\", age: 3, tags: [\"a\", \"b\"], nick: none, score: 1.5}"),  # an option field may go
    ("wt:kitchen/values#echo-nested(some(none))", "some(none)"),
    ("wt:kitchen/values#echo-nested(none)", "none"),
    ("wt:kitchen/values#echo-option(5)", "some(5)"),  # a bare some
    ("wt:kitchen/values#echo-shape(rect({x: 1, y: 2}))", "rect({x: 1, y: 2})"),
    ("wt:kitchen/values#echo-shape(empty)", "empty"),
    ("wt:kitchen/values#echo-color(blue)", "blue"),
    ("wt:kitchen/values#echo-perms({exec, read})", "{read, exec}"),
    ("wt:kitchen/values#echo-perms({})", "{}"),
    ("wt:kitchen/values#echo-result(ok(\"fine\"))", "ok(\"fine\")"),
    ("wt:kitchen/values#echo-result(\"bare\")", "ok(\"bare\")"),
    ("wt:kitchen/values#echo-result(err(7))", "err(7)"),
    ("wt:kitchen/values#divide(1, 0)", "err(\"division by zero\")"),
    ("wt:kitchen/values#echo-result-empty(ok)", "ok"),
    ("wt:kitchen/values#echo-char('\\u{1F600}')", "'\U0001F600'"),
    ("wt:kitchen/values#echo-string(\"tab\\there \\\"quoted\\\"\\n\")", "\"tab\\there \\\"quoted\\\"\\n\""),
    ("wt:kitchen/values#echo-bytes([0, 255, 7])", "[0, 255, 7]"),
    ("wt:kitchen/values#echo-tuple((1, \"a\", -0.5))", "(1, \"a\", -0.5)"),
    ("wt:kitchen/values#echo-f32(0.1)", "0.1"),
    ("wt:kitchen/values#echo-f64(nan)", "nan"),
    ("wt:kitchen/values#echo-f64(-inf)", "-inf"),
    ("wt:kitchen/values#echo-u64(18446744073709551615)", "18446744073709551615"),
    ("wt:kitchen/values#echo-points([{x: 1, y: 2}, {y: 4, x: 3},])", "[{x: 1, y: 2}, {x: 3, y: 4}]"),
    ("wt:kitchen/values#nothing()", None),
]


def in_process(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``wt-wasm`` run by ``wt_wasi.cli.run`` in this process (no interpreter to start)."""
    from wt_wasi import cli

    code = cli.run([argv[0], "--cache-dir", str(builder.cache_dir() / "wt-compiled"), *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("call,printed", INVOKE, ids=[c for c, _ in INVOKE])
def test_invoke_reads_and_prints_wave(component_path: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
                                      call: str, printed: str | None) -> None:
    code, out, err = in_process(capsys, "run", "--invoke", call, str(component_path("reactor")))
    assert code == 0, err
    assert out == ("" if printed is None else printed + "\n")


BAD = [
    (f"{VALUES}#echo-u8(300)", "argument 0 (v: u8): expected a WAVE u8, got number '300' (out of range [0, 255])"),
    (f"{VALUES}#add(1)", "takes 2 argument(s), func(a: s32, b: s32) -> s32; got 1"),
    (f"{VALUES}#echo-point({{x: 1}})", "the field 'y' is missing"),
    (f"{VALUES}#echo-color(purple)", "one of red, green, blue"),
    (f"{VALUES}#echo-string(unquoted)", "expected a WAVE string"),
    (f"{VALUES}#echo-string(\"open)", "unexpected"),
    ("nope()", "exports no function 'nope'; its functions:"),
    ("add(1, 2", "expected )"),
]


@pytest.mark.parametrize("call,message", BAD, ids=[c for c, _ in BAD])
def test_invoke_errors_are_usage_errors(component_path: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
                                        call: str, message: str) -> None:
    code, _, err = in_process(capsys, "run", "--invoke", call, str(component_path("reactor")))
    assert code == 2 and message in err, err


def test_invoke_in_a_process_of_its_own(component_path: Callable[[str], Path]) -> None:
    result = wt_wasm("run", "--invoke", "wt:kitchen/values#echo-point({x: 1, y: 2})", str(component_path("reactor")))
    assert (result.returncode, result.stdout) == (0, "{x: 1, y: 2}\n"), result.stderr


def test_what_cannot_run(component_path: Callable[[str], Path]) -> None:
    reactor = wt_wasm("run", str(component_path("reactor")))
    assert reactor.returncode == 2 and "is not a WASI command" in reactor.stderr and "--invoke" in reactor.stderr
    kitchen = wt_wasm("run", "--invoke", "version()", str(component_path("kitchen")))
    assert kitchen.returncode == 2
    assert "imports wt:kitchen/host@0.1.0, which wt-wasm run does not provide (it provides WASI 0.2 only)" \
        in kitchen.stderr
    preload = wt_wasm("run", "--preload", f"x={component_path('reactor')}", str(component_path("reactor")))
    assert preload.returncode == 2 and "--preload is for modules" in preload.stderr
