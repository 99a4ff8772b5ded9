"""WASI 0.2 command components through ``instantiate_component_with_wasi``: args, env, stdin,
stdout/stderr writers, preopens and exit codes, as for WASI 0.1 modules. Two toolchains:
``command`` (componentize-py) and ``c-command`` (clang, adapted by jco's preview1 adapter)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

import wt_api as wt
from wt_wasi import WASIConfig

RUN = "wasi:cli/run@0.2.0#run"


def _config(tmp_path: Path, out: Any, err: Any, code: int = 0, read_only: bool = False) -> wt.ModuleConfig:
    (tmp_path / "note.txt").write_text("from a file\n")
    return (wt.ModuleConfig().with_args("prog", "note.txt", "two words").with_env("GREETING", "hi there")
            .with_env("EXIT", str(code)).with_stdin(b"from stdin").with_stdout(out).with_stderr(err)
            .with_preopen_dir(tmp_path, ".", read_only=read_only))


@pytest.mark.parametrize("name", ["command", "c-command"])
def test_a_command_sees_args_env_stdin_and_a_preopened_file(runtime: Any, component: Any, tmp_path: Path,
                                                            name: str) -> None:
    out, err = io.BytesIO(), io.BytesIO()
    with runtime.instantiate_component_with_wasi(component(name), _config(tmp_path, out, err)) as inst:
        run = inst.function(RUN)
        assert run is not None and str(run.type) == "func() -> result"
        assert run() is None  # run returned ok
    assert out.getvalue().decode().splitlines() == [
        "args: note.txt two words", "greeting: hi there", "stdin: from stdin", "file: from a file"]
    assert err.getvalue() == b"to stderr\n"


@pytest.mark.parametrize("name", ["command", "c-command"])
def test_a_non_zero_exit_is_an_exit_error(runtime: Any, component: Any, tmp_path: Path, name: str) -> None:
    out = io.BytesIO()
    with runtime.instantiate_component_with_wasi(component(name), _config(tmp_path, out, io.BytesIO(), 3)) as inst:
        with pytest.raises(wt.ExitError) as caught:
            inst.exports.run.run()  # the interface wasi:cli/run, its function run
        # WASI 0.2's exit takes a result: any failure reaches the host as status 1
        assert caught.value.exit_code == 1
        with pytest.raises(wt.WasmRuntimeError, match="unusable: the guest exited with code 1"):
            inst.function(RUN)()  # type: ignore[misc]
    assert out.getvalue().startswith(b"args:")


def test_the_interface_and_its_function_are_found_by_version_free_names(runtime: Any, component: Any) -> None:
    with runtime.instantiate_component_with_wasi(component("c-command")) as inst:
        exact = inst.function("wasi:cli/run@0.2.12", "run")  # jco's adapter exports 0.2.12
        assert exact is not None
        assert inst.function("wasi:cli/run", "run") is exact
        assert inst.function("wasi:cli/run@0.2.0#run") is exact  # semver-compatible
        assert inst.function("wasi:cli/run@0.2.0#nothing") is None and inst.function("nothing") is None


def test_runtime_wasi_settings_are_overlaid_by_the_instance(component: Any, tmp_path: Path) -> None:
    out = io.BytesIO()
    base = WASIConfig().with_env("GREETING", "from the runtime").with_args("prog", "note.txt")
    (tmp_path / "note.txt").write_text("runtime file")
    with wt.Runtime(wt.RuntimeConfig().with_wasi(base.with_preopen_dir(str(tmp_path), "."))) as rt:
        compiled = rt.load_compiled_component(component("c-command").serialize())
        with rt.instantiate_component_with_wasi(compiled, wt.ModuleConfig().with_stdout(out)) as inst:
            inst.function(RUN)()  # type: ignore[misc]
    assert b"greeting: from the runtime" in out.getvalue() and b"file: runtime file" in out.getvalue()


@pytest.mark.parametrize("read_only", [False, True])
def test_a_read_only_preopen_refuses_writes_inside_the_guest(runtime: Any, component: Any, tmp_path: Path,
                                                             read_only: bool) -> None:
    out = io.BytesIO()
    config = _config(tmp_path, out, io.BytesIO(), read_only=read_only).with_env("WRITE", "made.txt")
    with runtime.instantiate_component_with_wasi(component("c-command"), config) as inst:
        inst.function(RUN)()  # type: ignore[misc]
    assert b"file: from a file" in out.getvalue()
    if read_only:
        assert b"write: denied" in out.getvalue() and not (tmp_path / "made.txt").exists()
    else:
        assert b"write: ok" in out.getvalue()
        assert (tmp_path / "made.txt").read_text() == "written by the guest\n"


def test_a_raising_stdout_writer_comes_out_of_the_call(runtime: Any, component: Any, tmp_path: Path) -> None:
    def broken(data: bytes) -> None:
        raise OSError("the pipe is gone")

    with runtime.instantiate_component_with_wasi(component("c-command"),
                                                 _config(tmp_path, broken, io.BytesIO())) as inst:
        with pytest.raises(OSError, match="the pipe is gone"):
            inst.function(RUN)()  # type: ignore[misc]


def test_wasi_http_types_are_provided_with_their_context() -> None:
    # (a wasi:http call without its context in the store aborts the process: wt sets both)
    from . import wat

    with wt.Runtime() as rt:
        compiled = rt.compile_component(wat.WASI_HTTP)
        with pytest.raises(wt.LinkError, match="wasi:http/types@0.2.0"):
            rt.instantiate_component(compiled)
        with rt.instantiate_component_with_wasi(compiled) as inst:
            assert inst.exports.new_fields() == 1 and inst.exports.new_fields() == 2


def test_python_may_implement_a_wasi_interface() -> None:
    from . import wat

    with wt.Runtime() as rt:
        compiled = rt.compile_component(wat.WASI_RANDOM)
        with rt.instantiate_component(compiled, imports={"wasi:random/random": {"get_random_u64": lambda: 4}}) as i:
            assert i.exports.random() == 4
        with rt.instantiate_component_with_wasi(compiled) as real:
            assert isinstance(real.exports.random(), int)


def test_fuel_budgets_a_component() -> None:
    from . import wat

    with wt.Runtime(wt.RuntimeConfig().with_fuel_metering()) as rt:
        compiled = rt.compile_component(wat.SPIN)
        with rt.instantiate_component(compiled, wt.ModuleConfig().with_fuel(10_000)) as inst:
            assert inst.exports.spin(10) == 10
            with pytest.raises(wt.Trap) as caught:
                inst.exports.spin(10**9)
            assert caught.value.code is wt.TrapCode.OUT_OF_FUEL
        with pytest.raises(wt.ConfigError, match="component instances have no names"):
            rt.instantiate_component(compiled, wt.ModuleConfig().with_name("x"))


UNKNOWN_WASI = b'''(component
  (import "wasi:nothing/here@0.2.0" (instance $h (export "f" (func))))
  (core func $f (canon lower (func $h "f")))
  (core module $m (import "" "f" (func)))
  (core instance $i (instantiate $m (with "" (instance (export "f" (func $f)))))))'''
MISTYPED_WASI = b'''(component
  (import "wasi:cli/environment@0.2.0" (instance $h (export "get-arguments" (func (result u32)))))
  (core func $f (canon lower (func $h "get-arguments")))
  (core module $m (import "" "f" (func (result i32))))
  (core instance $i (instantiate $m (with "" (instance (export "f" (func $f)))))))'''
START_TRAPS = b'''(component
  (core module $m (func $s unreachable) (start $s))
  (core instance $i (instantiate $m)))'''
BIG_MEMORY = b'''(component
  (core module $m (memory 2000))
  (core instance $i (instantiate $m)))'''


@pytest.mark.parametrize(("source", "error", "says"), [
    (UNKNOWN_WASI, wt.LinkError, "cannot link the component: component imports instance `wasi:nothing/here@0.2.0`"),
    (MISTYPED_WASI, wt.LinkError, "expected `list` found `u32`"),
    (START_TRAPS, wt.Trap, "unreachable"),
    (BIG_MEMORY, wt.InstantiationError, "memory minimum size of 2000 pages exceeds memory limits"),
])
def test_a_failed_link_is_told_from_a_failed_start(source: bytes, error: type[Exception], says: str) -> None:
    # What WASI does not provide, or provides with another type, is a link failure (wasmtime's
    # type check, before any code runs); a trap or a limit while starting is not.
    with wt.Runtime() as rt:
        compiled = rt.compile_component(source)
        with pytest.raises(error, match=re.escape(says)) as caught:
            rt.instantiate_component_with_wasi(compiled, wt.ModuleConfig().with_memory_limit(10 * wt.WASM_PAGE))
        assert error is wt.LinkError or not isinstance(caught.value, wt.LinkError)
