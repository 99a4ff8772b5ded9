from pathlib import Path

import pytest

import wt_api as wt
from wasmbin import wat2wasm

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'


def test_wat_text_and_binary(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    binary = runtime.compile_module(ADD.encode())  # WAT given as bytes
    assert [e.name for e in compiled.exports] == ["add"]
    assert compiled.exports[0].type == wt.FunctionType((wt.ValueType.I32, wt.ValueType.I32), (wt.ValueType.I32,))
    assert binary.exports == compiled.exports
    wasm = bytes.fromhex("0061736d01000000")  # an empty module, as a wasm binary
    assert runtime.compile_module(wasm).exports == ()


def test_invalid_wat_raises_compile_error(runtime: wt.Runtime) -> None:
    with pytest.raises(wt.CompileError) as info:
        runtime.compile_module("(module (func (result i32)))")
    assert "type mismatch" in info.value.message


def test_malformed_binary_raises_compile_error(runtime: wt.Runtime) -> None:
    with pytest.raises(wt.CompileError):
        runtime.compile_module(b"\0asm\x01\0\0\0\xff\xff")
    with pytest.raises(wt.CompileError):
        runtime.compile_module(b"\xff\xfe not utf-8")


def test_wrong_source_type(runtime: wt.Runtime) -> None:
    with pytest.raises(TypeError):
        runtime.compile_module(42)  # type: ignore[arg-type]


def test_imports_are_listed(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(
        '(module (import "env" "f" (func (param i64))) (import "env" "m" (memory 1 2))'
        ' (import "env" "g" (global (mut f32))))')
    assert [(i.module, i.name) for i in compiled.imports] == [("env", "f"), ("env", "m"), ("env", "g")]
    assert compiled.imports[1].type == wt.MemoryType(1, 2)
    assert compiled.imports[2].type == wt.GlobalType(wt.ValueType.F32, True)


def test_typed_reference_signatures_are_described_without_crashing(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(
        '(module (type $t (func)) (func (export "f") (param (ref extern) (ref null any) v128)'
        ' (result (ref null $t)) ref.null $t))')
    ty = compiled.exports[0].type
    assert isinstance(ty, wt.FunctionType)
    assert ty.params == (wt.RefType(False, "extern"), wt.ValueType.ANYREF, wt.ValueType.V128)
    assert ty.results == (wt.RefType(True, "$func"),)


def test_compiled_module_close_is_idempotent(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    compiled.close()
    compiled.close()
    with pytest.raises(wt.ClosedError):
        runtime.instantiate(compiled)


def test_compile_file(runtime: wt.Runtime, tmp_path: Path) -> None:
    text = tmp_path / "add.wat"
    text.write_text(ADD)
    binary = tmp_path / "add.wasm"
    binary.write_bytes(_wasm_of(ADD))
    for path in (text, str(binary)):
        mod = runtime.instantiate(runtime.compile_file(path))
        assert wt.decode_i32(mod.exported_function("add").call(2, 3)[0]) == 5  # type: ignore[union-attr]
    with pytest.raises(FileNotFoundError):
        runtime.compile_file(tmp_path / "missing.wasm")
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\xff\xff")
    with pytest.raises(wt.CompileError):
        runtime.compile_file(bad)
    with pytest.raises(TypeError, match="compile_module"):
        runtime.compile_file(3)  # type: ignore[arg-type]  # never a file descriptor
    with pytest.raises(TypeError, match="compile_module"):
        runtime.compile_file(ADD.encode())  # type: ignore[arg-type]
    runtime.close()
    with pytest.raises(wt.ClosedError):
        runtime.compile_file(text)


def _wasm_of(wat: str) -> bytes:
    return wat2wasm(wat)
