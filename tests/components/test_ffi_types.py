"""wt_ffi's component declarations, part 1: compiling, serialising and type reflection.

Every WIT type of the kitchen world is read back through ``wasmtime_component_valtype_t`` and
``wasmtime_component_item_t``: a wrong union layout or kind number shows up as a wrong type.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

from wt_ffi import vec
from wt_ffi.component import component as C
from wt_ffi.component.types import component as TC
from wt_ffi.component.types import func as TF
from wt_ffi.component.types import instance as TI
from wt_ffi.component.types import val as TV

from .capi import CError, compile_bytes

NAMES = {TV.VALTYPE_BOOL: "bool", TV.VALTYPE_S8: "s8", TV.VALTYPE_S16: "s16", TV.VALTYPE_S32: "s32",
         TV.VALTYPE_S64: "s64", TV.VALTYPE_U8: "u8", TV.VALTYPE_U16: "u16", TV.VALTYPE_U32: "u32",
         TV.VALTYPE_U64: "u64", TV.VALTYPE_F32: "f32", TV.VALTYPE_F64: "f64", TV.VALTYPE_CHAR: "char",
         TV.VALTYPE_STRING: "string"}
VALUES = "wt:kitchen/values@0.1.0"


def _text(address: int | None, length: int) -> str:
    return ctypes.string_at(address, length).decode() if address else ""


def describe(vt: TV.wasmtime_component_valtype_t) -> Any:
    """A valtype as nested tuples (frees nothing: the caller deletes ``vt``)."""
    kind, of = vt.kind, vt.of
    if kind in NAMES:
        return NAMES[kind]

    def sub(fill: Any, *args: Any) -> Any:
        inner = TV.wasmtime_component_valtype_t()
        present = fill(*args, ctypes.byref(inner))
        if present is False:
            return None
        try:
            return describe(inner)
        finally:
            TV.wasmtime_component_valtype_delete(ctypes.byref(inner))

    def named(count: Any, nth: Any, ty: Any, with_type: bool, cases: bool = False) -> list[Any]:
        out = []
        for i in range(count(ty)):
            name, length = ctypes.c_void_p(), ctypes.c_size_t()
            if not with_type:
                assert nth(ty, i, ctypes.byref(name), ctypes.byref(length))
                out.append(_text(name.value, length.value))
                continue
            inner = TV.wasmtime_component_valtype_t()
            if cases:  # (not `nth is ...`: the first call rebinds the module attribute)
                has = ctypes.c_bool()
                assert nth(ty, i, ctypes.byref(name), ctypes.byref(length), ctypes.byref(has), ctypes.byref(inner))
                out.append((_text(name.value, length.value), describe(inner) if has.value else None))
                if has.value:
                    TV.wasmtime_component_valtype_delete(ctypes.byref(inner))
            else:
                assert nth(ty, i, ctypes.byref(name), ctypes.byref(length), ctypes.byref(inner))
                out.append((_text(name.value, length.value), describe(inner)))
                TV.wasmtime_component_valtype_delete(ctypes.byref(inner))
        return out

    if kind == TV.VALTYPE_LIST:
        return ("list", sub(TV.wasmtime_component_list_type_element, of.list))
    if kind == TV.VALTYPE_RECORD:
        return ("record", named(TV.wasmtime_component_record_type_field_count,
                                TV.wasmtime_component_record_type_field_nth, of.record, True))
    if kind == TV.VALTYPE_TUPLE:
        return ("tuple", [sub(TV.wasmtime_component_tuple_type_types_nth, of.tuple, i)
                          for i in range(TV.wasmtime_component_tuple_type_types_count(of.tuple))])
    if kind == TV.VALTYPE_VARIANT:
        return ("variant", named(TV.wasmtime_component_variant_type_case_count,
                                 TV.wasmtime_component_variant_type_case_nth, of.variant, True, cases=True))
    if kind == TV.VALTYPE_ENUM:
        return ("enum", named(TV.wasmtime_component_enum_type_names_count,
                              TV.wasmtime_component_enum_type_names_nth, of.enum, False))
    if kind == TV.VALTYPE_FLAGS:
        return ("flags", named(TV.wasmtime_component_flags_type_names_count,
                               TV.wasmtime_component_flags_type_names_nth, of.flags, False))
    if kind == TV.VALTYPE_OPTION:
        return ("option", sub(TV.wasmtime_component_option_type_ty, of.option))
    if kind == TV.VALTYPE_RESULT:
        return ("result", sub(TV.wasmtime_component_result_type_ok, of.result),
                sub(TV.wasmtime_component_result_type_err, of.result))
    if kind in (TV.VALTYPE_OWN, TV.VALTYPE_BORROW):
        return "own" if kind == TV.VALTYPE_OWN else "borrow"
    raise AssertionError(f"unexpected valtype kind {kind}")


def func_signature(ft: Any) -> tuple[list[tuple[str, Any]], Any]:
    params = []
    for i in range(TF.wasmtime_component_func_type_param_count(ft)):
        name, length, vt = ctypes.c_void_p(), ctypes.c_size_t(), TV.wasmtime_component_valtype_t()
        assert TF.wasmtime_component_func_type_param_nth(ft, i, ctypes.byref(name), ctypes.byref(length), ctypes.byref(vt))
        params.append((_text(name.value, length.value), describe(vt)))
        TV.wasmtime_component_valtype_delete(ctypes.byref(vt))
    vt = TV.wasmtime_component_valtype_t()
    result = describe(vt) if TF.wasmtime_component_func_type_result(ft, ctypes.byref(vt)) else None
    if result is not None:
        TV.wasmtime_component_valtype_delete(ctypes.byref(vt))
    return params, result


def items(ty: Any, engine: Any, count: Any, nth: Any) -> dict[str, int]:
    """Name -> item kind of every import or export."""
    out = {}
    for i in range(count(ty, engine)):
        name, length, ext = ctypes.c_void_p(), ctypes.c_size_t(), TC.ComponentExternPtr()
        assert nth(ty, engine, i, ctypes.byref(name), ctypes.byref(length), ctypes.byref(ext))
        item = TC.wasmtime_component_item_t()
        TC.wasmtime_component_extern_type(ext, ctypes.byref(item))
        out[_text(name.value, length.value)] = item.kind
        TC.wasmtime_component_item_delete(ctypes.byref(item))
        TC.wasmtime_component_extern_delete(ext)
    assert not nth(ty, engine, count(ty, engine), ctypes.byref(ctypes.c_void_p()), ctypes.byref(ctypes.c_size_t()),
                   ctypes.byref(TC.ComponentExternPtr()))
    return out


def test_compile_serialise_and_reload(engine: Any, component_path: Any) -> None:
    data = component_path("c-command").read_bytes()
    component = compile_bytes(engine, data)
    blob = vec.wasm_byte_vec_t()
    assert not C.wasmtime_component_serialize(component, ctypes.byref(blob))
    artifact = vec.take_bytes(blob)
    again = C.ComponentPtr()
    assert not C.wasmtime_component_deserialize(engine, artifact, len(artifact), ctypes.byref(again))
    clone = C.wasmtime_component_clone(again)
    for handle in (component, again, clone):
        ty = C.wasmtime_component_type(handle)
        exports = items(ty, engine, TC.wasmtime_component_type_export_count, TC.wasmtime_component_type_export_nth)
        assert list(exports) == ["wasi:cli/run@0.2.12"]  # jco 1.35's adapter: WASI 0.2.12
        TC.wasmtime_component_type_delete(ty)
        C.wasmtime_component_delete(handle)


@pytest.mark.parametrize("data", [b"", b"\0asm\x01\0\0\0", b"\0asm\x0d\0\x01\0garbage", b"not wasm at all"])
def test_invalid_binaries_are_errors(engine: Any, data: bytes) -> None:
    with pytest.raises(CError):  # a core module is not a component either
        compile_bytes(engine, data)


def test_imports_and_exports_of_the_kitchen(engine: Any, compiled: Any) -> None:
    ty = C.wasmtime_component_type(compiled("kitchen"))
    try:
        exports = items(ty, engine, TC.wasmtime_component_type_export_count, TC.wasmtime_component_type_export_nth)
        imports = items(ty, engine, TC.wasmtime_component_type_import_count, TC.wasmtime_component_type_import_nth)
    finally:
        TC.wasmtime_component_type_delete(ty)
    assert exports[VALUES] == exports["wt:kitchen/objects@0.1.0"] == TC.COMPONENT_ITEM_COMPONENT_INSTANCE
    for name in ("version", "call-add", "blob-make", "blob-take", "fail"):
        assert exports[name] == TC.COMPONENT_ITEM_COMPONENT_FUNC
    assert imports["wt:kitchen/host@0.1.0"] == TC.COMPONENT_ITEM_COMPONENT_INSTANCE
    assert any(name.startswith("wasi:cli/stdout@0.2") for name in imports)  # componentize-py's runtime


def _instance_exports(engine: Any, component: Any, instance: str, import_: bool = False) -> dict[str, Any]:
    """Name -> signature (functions) or item kind, of an exported (or imported) instance."""
    ty = C.wasmtime_component_type(component)
    ext = TC.ComponentExternPtr()
    get = TC.wasmtime_component_type_import_get if import_ else TC.wasmtime_component_type_export_get
    assert get(ty, engine, instance.encode(), len(instance), ctypes.byref(ext))
    item = TC.wasmtime_component_item_t()
    TC.wasmtime_component_extern_type(ext, ctypes.byref(item))
    assert item.kind == TC.COMPONENT_ITEM_COMPONENT_INSTANCE
    inst_ty = item.of.component_instance
    out: dict[str, Any] = {}
    for i in range(TI.wasmtime_component_instance_type_export_count(inst_ty, engine)):
        name, length, inner = ctypes.c_void_p(), ctypes.c_size_t(), TI.ComponentExternPtr()
        assert TI.wasmtime_component_instance_type_export_nth(inst_ty, engine, i, ctypes.byref(name),
                                                               ctypes.byref(length), ctypes.byref(inner))
        sub = TC.wasmtime_component_item_t()
        TC.wasmtime_component_extern_type(inner, ctypes.byref(sub))
        key = _text(name.value, length.value)
        out[key] = func_signature(sub.of.component_func) if sub.kind == TC.COMPONENT_ITEM_COMPONENT_FUNC else sub.kind
        TC.wasmtime_component_item_delete(ctypes.byref(sub))
        TC.wasmtime_component_extern_delete(inner)
    TC.wasmtime_component_item_delete(ctypes.byref(item))
    TC.wasmtime_component_extern_delete(ext)
    TC.wasmtime_component_type_delete(ty)
    return out


def test_every_wit_type_reads_back(engine: Any, compiled: Any) -> None:
    funcs = _instance_exports(engine, compiled("kitchen"), VALUES)
    point = ("record", [("x", "s32"), ("y", "s32")])
    for scalar in ("bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char", "string"):
        assert funcs[f"echo-{scalar}"] == ([("v", scalar)], scalar)
    assert funcs["echo-bytes"] == ([("v", ("list", "u8"))], ("list", "u8"))
    assert funcs["echo-points"][1] == ("list", point)
    assert funcs["echo-tuple"][1] == ("tuple", ["u8", "string", "f64"])
    assert funcs["echo-person"][1] == ("record", [("name", "string"), ("age", "u8"), ("tags", ("list", "string")),
                                                  ("nick", ("option", "string")), ("score", "f64")])
    assert funcs["echo-shape"][1] == ("variant", [("circle", "f32"), ("rect", point), ("empty", None)])
    assert funcs["echo-color"][1] == ("enum", ["red", "green", "blue"])
    assert funcs["echo-perms"][1] == ("flags", ["read", "write", "exec"])
    assert funcs["echo-nested"][1] == ("option", ("option", "s32"))
    assert funcs["echo-result"][1] == ("result", "string", "u32")
    assert funcs["echo-result-empty"][1] == ("result", None, None)
    assert funcs["echo-result-ok"][1] == ("result", "u8", None)
    assert funcs["echo-result-err"][1] == ("result", None, "string")
    assert funcs["nothing"] == ([], None)
    assert [name for name, _ in funcs["describe"][0]] == list("abcdefghi")
    assert funcs["point"] == TC.COMPONENT_ITEM_TYPE  # named types are exported as type items


def test_resource_functions_and_their_types(engine: Any, compiled: Any) -> None:
    objects = _instance_exports(engine, compiled("kitchen"), "wt:kitchen/objects@0.1.0")
    assert objects["counter"] == TC.COMPONENT_ITEM_RESOURCE
    assert objects["[constructor]counter"] == ([("start", "u32")], "own")
    assert objects["[method]counter.increment"] == ([("self", "borrow"), ("by", "u32")], "u32")
    assert objects["[static]counter.make"] == ([("n", "u32")], "own")
    assert objects["total"] == ([("a", "borrow"), ("b", "borrow")], "u32")
    host = _instance_exports(engine, compiled("kitchen"), "wt:kitchen/host@0.1.0", import_=True)
    assert host["blob"] == TC.COMPONENT_ITEM_RESOURCE
    assert host["[static]blob.concat"] == ([("a", "borrow"), ("b", "borrow")], "own")
    assert host["describe"] == ([("who", ("tuple", ["string", "u32"])), ("tags", ("list", "string"))],
                                ("option", "string"))


def test_get_func_writes_exactly_a_32_byte_func(engine: Any) -> None:
    from wt_ffi.component import func as F
    from wt_ffi.component import instance as I

    from . import wat
    from .capi import Linker, Store

    st, linker = Store(engine), Linker(engine)
    try:
        inst = linker.instantiate(st, compile_bytes(engine, wat.STRINGS))
        index = I.wasmtime_component_instance_get_export_index(ctypes.byref(inst), st.ctx, None, b"echo-char", 9)
        buf = (ctypes.c_uint8 * 64)(*[0xAA] * 64)
        assert I.wasmtime_component_instance_get_func(ctypes.byref(inst), st.ctx, index,
                                                      ctypes.cast(buf, ctypes.POINTER(F.wasmtime_component_func_t)))
        C.wasmtime_component_export_index_delete(index)
        raw = bytes(buf)
        assert raw[24:32] != b"\xaa" * 8  # the trailing pointer of 50.0.1's layout is written
        assert raw[32:] == b"\xaa" * 32  # and nothing past it
        assert int.from_bytes(raw[:8], "little") == inst.store_id
    finally:
        linker.close()
        st.close()
