"""wt_ffi's component declarations, part 3: resources both ways and host imports.

The guest exports ``counter`` (constructor, methods, a static function, borrow and own
parameters); the host (``conftest.Host``) implements the imported functions and the ``blob``
resource through ``wasmtime_component_linker_instance_add_func`` / ``add_resource``.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pytest

from wt_ffi.component import val as V
from wt_ffi.component.types import resource as R

from .capi import CError, Linker, any_to_host_rep, call, check, get_func, host_resource_to_any, host_resource_type
from .conftest import BLOB_TYPE, HOST

OBJECTS = "wt:kitchen/objects@0.1.0"


def _bytes(data: bytes) -> Any:
    return ("list", [("u8", x) for x in data])


def _handle(address: int) -> Any:
    return ctypes.cast(address, V.ResourceAnyPtr)


def _drop(st: Any, address: int) -> str | None:
    """Drop the resource in the store: None, or the error's message."""
    try:
        check(V.wasmtime_component_resource_any_drop(st.ctx, _handle(address)))
        return None
    except CError as exc:
        return str(exc)


def test_a_guest_resource_lives_until_the_host_drops_it(kitchen: Any) -> None:
    st, inst, _ = kitchen
    f = lambda name: get_func(st, inst, OBJECTS, name)  # noqa: E731
    [(_, a)] = call(st, f("[constructor]counter"), [("u32", 5)])
    [(_, b)] = call(st, f("[static]counter.make"), [("u32", 10)])
    assert V.wasmtime_component_resource_any_owned(_handle(a))
    ta, tb = V.wasmtime_component_resource_any_type(_handle(a)), V.wasmtime_component_resource_any_type(_handle(b))
    host = host_resource_type(BLOB_TYPE)
    assert R.wasmtime_component_resource_type_equal(ta, tb) and not R.wasmtime_component_resource_type_equal(ta, host)
    for ty in (ta, tb, host):
        R.wasmtime_component_resource_type_delete(ty)

    # an own handle is accepted where the function borrows
    assert call(st, f("[method]counter.increment"), [("resource", a), ("u32", 3)]) == [("u32", 8)]
    assert call(st, f("[method]counter.get"), [("resource", a)]) == [("u32", 8)]
    assert call(st, f("total"), [("resource", a), ("resource", b)]) == [("u32", 18)]

    assert _drop(st, a) is None  # runs the guest's destructor
    assert _drop(st, a) == "unknown handle index 1"  # a second drop is an error, not a crash
    assert call(st, f("consume"), [("resource", b)]) == [("u32", 10)]  # moved into the guest
    assert _drop(st, b) == "unknown handle index 2"

    # passing a stale handle is an error raised inside the instance, which is then unusable
    with pytest.raises(CError, match="unknown handle index 1"):
        call(st, f("[method]counter.get"), [("resource", a)])
    with pytest.raises(CError, match="cannot enter component instance"):
        call(st, f("[static]counter.make"), [("u32", 1)])
    for handle in (a, b):
        V.wasmtime_component_resource_any_delete(_handle(handle))


def test_host_functions_are_called_with_converted_values(kitchen: Any) -> None:
    st, inst, host = kitchen
    assert call(st, get_func(st, inst, "call-log"), [("string", "héllo")], nresults=0) == []
    assert host.log == ["héllo"]
    assert call(st, get_func(st, inst, "call-add"), [("s32", 2), ("s32", 3)]) == [("s32", 5)]
    describe = get_func(st, inst, "call-describe")
    tags = ("list", [("string", "x"), ("string", "y")])
    assert call(st, describe, [("string", "ann"), ("u32", 7), tags]) == [("option", ("string", "ann/7: x,y"))]
    assert call(st, describe, [("string", "ann"), ("u32", 7), ("list", [])]) == [("option", None)]


def test_a_host_error_comes_out_of_the_call(kitchen: Any) -> None:
    st, inst, _ = kitchen
    with pytest.raises(CError, match="host: 13 is unlucky"):
        call(st, get_func(st, inst, "call-add"), [("s32", 13), ("s32", 1)])


def test_the_guest_uses_a_host_resource(kitchen: Any) -> None:
    st, inst, host = kitchen
    assert call(st, get_func(st, inst, "blob-size"), [_bytes(b"abcd")]) == [("u32", 4)]
    assert len(host.dropped) == 1 and not host.blobs  # the guest's `with` dropped it, once


def test_a_host_function_with_two_borrow_parameters_hits_a_wasmtime_bug(kitchen: Any) -> None:
    # Measured on 50.0.1: any host function taking two borrow<T> parameters fails with this
    # injected trap, whatever the callback does (one borrow parameter works).
    st, inst, _ = kitchen
    with pytest.raises(CError, match="BUG: deferred host scope has no call context"):
        call(st, get_func(st, inst, "blob-concat"), [_bytes(b"ab"), _bytes(b"cd")])


def test_an_own_host_resource_returned_by_the_guest(kitchen: Any) -> None:
    st, inst, host = kitchen
    [(_, made)] = call(st, get_func(st, inst, "blob-make"), [_bytes(b"xyz")])
    assert V.wasmtime_component_resource_any_owned(_handle(made))
    ty, blob_type = V.wasmtime_component_resource_any_type(_handle(made)), host_resource_type(BLOB_TYPE)
    assert R.wasmtime_component_resource_type_equal(ty, blob_type)
    for t in (ty, blob_type):
        R.wasmtime_component_resource_type_delete(t)
    [rep] = host.blobs
    assert _drop(st, made) is None and host.dropped == [rep]  # dropping it runs the host's destructor
    V.wasmtime_component_resource_any_delete(_handle(made))

    # resource_any_to_host on an own handle takes the resource out of the store: the host
    # owns it from then on, the handle is stale and no destructor will run
    [(_, moved)] = call(st, get_func(st, inst, "blob-make"), [_bytes(b"uvw")])
    rep = any_to_host_rep(st.ctx, moved)
    assert host.blobs[rep] == b"uvw"
    assert _drop(st, moved) == "unknown handle index 1"
    assert len(host.dropped) == 1
    V.wasmtime_component_resource_any_delete(_handle(moved))


def test_host_resources_passed_to_the_guest(kitchen: Any) -> None:
    st, inst, host = kitchen
    rep_given = host.new_blob(st.ctx, b"given")  # own: the guest takes it and drops it
    assert call(st, get_func(st, inst, "blob-take"), [("resource", rep_given)]) == [_bytes(b"given")]
    assert len(host.dropped) == 1 and not host.blobs

    kept = host.new_blob(st.ctx, b"kept")
    [rep] = host.blobs
    borrowed = host_resource_to_any(st.ctx, False, rep, BLOB_TYPE)  # a borrow of a rep the host keeps
    assert not V.wasmtime_component_resource_any_owned(_handle(borrowed))
    assert call(st, get_func(st, inst, "blob-peek"), [("resource", borrowed)]) == [("u32", 4)]
    assert call(st, get_func(st, inst, "blob-peek"), [("resource", kept)]) == [("u32", 4)]  # own as borrow
    # dropping a handle the host made itself (host_to_any) frees the handle only: the linker's
    # destructor runs for handles that went through the guest
    assert _drop(st, kept) is None and len(host.dropped) == 1
    for handle in (rep_given, kept, borrowed):
        V.wasmtime_component_resource_any_delete(_handle(handle))


def test_a_missing_import_is_a_link_error(engine: Any, compiled: Any, new_store: Any) -> None:
    from .capi import wasi_config

    cfg, keep = wasi_config()
    linker = Linker(engine, wasip2=True)
    try:
        with pytest.raises(CError, match=f"(?s){HOST}.*not found"):
            linker.instantiate(new_store(cfg), compiled("kitchen"))
    finally:
        linker.close()
