"""Compiling components through wt_api: binaries, WAT text and files, the compilation cache
(memory and disk), serialised components, and their WIT types read from wasmtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import wt_api as wt

from . import wat

MODULE = "(module (func (export \"f\")))"


def test_compile_wat_text_bytes_and_files(tmp_path: Path) -> None:
    with wt.Runtime() as rt:
        from_text = rt.compile_component(wat.STRINGS.decode())
        from_bytes = rt.compile_component(wat.STRINGS)
        binary = bytes(__import__("wasmtime").wat2wasm(wat.STRINGS.decode()))
        assert wt.is_component(binary) and wt.is_component(wat.STRINGS) and not wt.is_component(MODULE)
        path = tmp_path / "strings.wasm"
        path.write_bytes(binary)
        from_file = rt.compile_component_file(path)
        for compiled in (from_text, from_bytes, from_file, rt.compile_component(bytearray(binary))):
            with rt.instantiate_component(compiled) as inst:
                assert inst.exports.string_len("héllo") == 6 and inst.exports.echo_char("€") == "€"


def test_modules_and_garbage_are_compile_errors() -> None:
    with wt.Runtime() as rt:
        with pytest.raises(wt.CompileError, match="a core WebAssembly module, not a component"):
            rt.compile_component(MODULE)
        with pytest.raises(wt.CompileError):
            rt.compile_component(b"\0asm\x0d\0\x01\0garbage")
        with pytest.raises(wt.CompileError):
            rt.compile_component("(component (func (export \"f\") (canon lift (core func 99))))")
        with pytest.raises(wt.CompileError):
            rt.compile_module(wat.STRINGS)  # a component is not a module either
        with pytest.raises(TypeError, match="WAT text"):
            rt.compile_component(42)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="a path"):
            rt.compile_component_file(b"bytes")  # type: ignore[arg-type]


def test_serialise_and_load(tmp_path: Path) -> None:
    with wt.Runtime() as rt:
        data = rt.compile_component(wat.STRINGS).serialize()
        path = tmp_path / "strings.cwasm"
        path.write_bytes(data)
        for compiled in (rt.load_compiled_component(data), rt.load_compiled_component_file(path)):
            with rt.instantiate_component(compiled) as inst:
                assert inst.exports.string_len("abc") == 3
        module_artifact = rt.compile_module(MODULE).serialize()
        with pytest.raises(wt.CompileError, match="cannot load"):
            rt.load_compiled_component(module_artifact)  # a module's artifact is refused, not run
        with pytest.raises(wt.CompileError, match="not a compiled component"):
            rt.load_compiled_component(b"\0asm....")
    with wt.Runtime(wt.RuntimeConfig().with_feature("simd", False)) as other:
        with pytest.raises(wt.CompileError, match="another wasmtime version, for another platform, or with other"):
            other.load_compiled_component(data)


@pytest.mark.parametrize("on_disk", [False, True])
def test_the_compilation_cache_keeps_components(tmp_path: Path, on_disk: bool) -> None:
    cache = wt.CompilationCache.with_dir(tmp_path / "cache") if on_disk else wt.CompilationCache()
    config = wt.RuntimeConfig().with_compilation_cache(cache)
    for round_ in range(2):
        with wt.Runtime(config) as rt:
            compiled = rt.compile_component(wat.STRINGS)
            rt.compile_component(wat.STRINGS.decode())  # text: an alias to the same entry
            rt.compile_module(MODULE)  # modules and components share the cache, not its keys
            with rt.instantiate_component(compiled) as inst:
                assert inst.exports.string_len("xy") == 2
        stats = cache.stats()
        assert stats.misses == 2 and stats.hits == 1 + 3 * round_ and stats.rejected == 0


def test_imports_and_exports_have_wit_types(component: Any) -> None:
    compiled = component("kitchen")
    exports, imports = compiled.exports, compiled.imports
    values = exports["wt:kitchen/values@0.1.0"]
    assert isinstance(values, wt.ComponentInterfaceType)
    assert str(values.function("echo-person")) == "func(v: person) -> person"
    person = dict(values.types)["person"]
    assert isinstance(person, wt.WitType) and person.kind == "record" and person.name == "person"
    assert person.definition() == ("record person { name: string, age: u8, tags: list<string>, nick: option<string>, "
                                   "score: f64 }")
    assert [str(t) for _, t in person.fields] == ["string", "u8", "list<string>", "option<string>", "f64"]
    assert str(values.function("echo-result-err")) == "func(v: result<_, string>) -> result<_, string>"
    assert str(values.function("echo-nested")) == "func(v: option<option<s32>>) -> option<option<s32>>"
    assert str(values.function("echo-shape").result.cases[1][1]) == "point"  # type: ignore[union-attr,index]
    objects = exports["wt:kitchen/objects@0.1.0"]
    assert str(objects.function("[method]counter.increment")) == "func(self: borrow<counter>, by: u32) -> u32"
    assert isinstance(exports["version"], wt.ComponentFunctionType)
    blob = exports["blob-make"].result  # type: ignore[union-attr]
    assert blob.kind == "own" and blob.resource.name == "blob" and blob.resource.imported  # type: ignore[union-attr]
    host = imports["wt:kitchen/host@0.1.0"]
    assert str(host.function("[static]blob.concat")) == "func(a: borrow<blob>, b: borrow<blob>) -> blob"
    assert any(name.startswith("wasi:cli/stdout@0.2") for name in imports)
    text = compiled.wit()
    assert "export wt:kitchen/values@0.1.0 {" in text and "  record point { x: s32, y: s32 };" in text


def test_python_types_of_wit_types(component: Any) -> None:
    values = component("kitchen").exports["wt:kitchen/values@0.1.0"]
    shown = {name: (", ".join(t.python_type() for _, t in f.params),
                    f.result.python_type(returned=True) if f.result else "None") for name, f in values.functions}
    assert shown["echo-bytes"] == ("bytes", "bytes")
    assert shown["echo-points"] == ("list[Point]", "list[Point]")
    assert shown["echo-tuple"] == ("tuple[int, str, float]", "tuple[int, str, float]")
    assert shown["echo-nested"] == ("Some[int | None] | None", "Some[int | None] | None")
    assert shown["echo-result"] == ("Ok[str] | Err[int]", "str")
    assert shown["echo-result-err"] == ("Ok[None] | Err[str]", "None")
    assert shown["echo-perms"] == ("Perms", "Perms") and shown["nothing"] == ("", "None")


def test_a_compiled_component_does_not_pickle_and_says_what_to_do() -> None:
    import pickle

    with wt.Runtime() as rt:
        with pytest.raises(TypeError, match="does not pickle.*serialize"):
            pickle.dumps(rt.compile_component(wat.STRINGS))
