"""Resources both ways through wt_api: the guest's ``counter`` as Python handles dropped
exactly once, and the host's ``blob`` implemented by a Python class (``conftest.Blob``)."""

from __future__ import annotations

from typing import Any

import pytest

import wt_api as wt

from .conftest import Blob, KitchenHost


def test_a_guest_resource_is_a_typed_handle(kit: Any) -> None:
    o = kit.exports.objects
    c = o.Counter(5)
    assert isinstance(c, o.Counter) and isinstance(c, wt.ComponentResource)
    assert c.own and c.live and c.resource_type.name == "counter"
    assert c.increment(3) == 8 and c.get() == 8
    made = o.Counter.make(10)
    assert type(made) is o.Counter and made.get() == 10
    assert o.total(c, made) == 18  # own handles lent as borrows stay the caller's
    assert o.total(c, c) == 16  # the same handle borrowed twice
    assert repr(c) == "<Counter own>"


def test_a_handle_is_dropped_exactly_once(kit: Any) -> None:
    o = kit.exports.objects
    with o.Counter(1) as c:
        assert c.get() == 1
    assert not c.live
    c.drop()  # idempotent
    with pytest.raises(wt.WasmArgumentError, match="unusable: dropped"):
        c.get()
    with pytest.raises(wt.ClosedError, match="unusable"):
        c.check()
    assert o.Counter(2).get() == 2  # the instance is fine


def test_an_own_parameter_moves_the_handle(kit: Any) -> None:
    o = kit.exports.objects
    c = o.Counter(7)
    assert o.consume(c) == 7
    assert not c.live and "moved into the guest" in repr(c)
    with pytest.raises(wt.WasmArgumentError, match="moved into the guest"):
        o.consume(c)
    with pytest.raises(wt.WasmArgumentError, match="moved into the guest"):
        c.increment(1)
    c.drop()  # nothing to drop: the guest owns it
    assert o.Counter(1).get() == 1


def test_a_handle_given_away_and_lent_in_one_call_is_refused(kit: Any) -> None:
    # total borrows twice (fine); a call that would also move it is refused before C
    o = kit.exports.objects
    c = o.Counter(1)
    assert o.total(c, c) == 2
    other = kit.exports.objects.Counter(3)
    assert o.consume(other) == 3
    assert c.get() == 1


def test_handles_of_another_instance_or_type_are_refused(runtime: Any, component: Any, kit: Any,
                                                         kitchen_host: Any) -> None:
    mine = kit.exports.objects.Counter(1)
    with runtime.instantiate_component_with_wasi(component("kitchen"),
                                                 imports={"wt:kitchen/host@0.1.0": kitchen_host}) as other:
        with pytest.raises(wt.WasmArgumentError, match="belongs to another component instance"):
            other.exports.objects.consume(mine)
        assert other.exports.objects.Counter(2).get() == 2
    with pytest.raises(wt.WasmArgumentError, match="counter handle"):
        kit.exports.objects.consume(Blob(b"not a counter"))
    assert mine.get() == 1


def test_handles_after_the_instance_closes(runtime: Any, component: Any, kitchen_host: Any) -> None:
    inst = runtime.instantiate_component_with_wasi(component("kitchen"),
                                                   imports={"wt:kitchen/host@0.1.0": kitchen_host})
    c = inst.exports.objects.Counter(1)
    inst.close()
    with pytest.raises(wt.ClosedError, match="component instance is closed"):
        c.get()
    c.drop()  # the instance's store took every resource with it: nothing left to drop
    assert not c.live
    with pytest.raises(wt.ClosedError, match="component instance is closed"):
        inst.exports


def test_the_guest_uses_a_host_resource(kit: Any) -> None:
    assert kit.exports.blob_size(b"abcd") == 4
    assert Blob.dropped == [b"abcd"]  # the guest's `with` dropped it: __exit__ ran once


def test_a_host_destructor_cannot_call_back_into_its_instance(runtime: Any, component: Any) -> None:
    # The destructor runs inside the guest's call: the instance is busy while it does (the
    # flag is set by the callback itself), so a call from there is refused, not re-entered.
    box: list[Any] = []
    seen: list[BaseException] = []

    class Reentrant(Blob):
        def __exit__(self, *exc_info: object) -> None:
            try:
                box[0].exports.blob_size(b"again")
            except wt.WasmRuntimeError as exc:
                seen.append(exc)

    class Host(KitchenHost):
        Blob = Reentrant

    with runtime.instantiate_component_with_wasi(component("kitchen"),
                                                 imports={"wt:kitchen/host@0.1.0": Host()}) as inst:
        box.append(inst)
        assert inst.exports.blob_size(b"abcd") == 4
        assert len(seen) == 1 and "cannot call back into the instance that called it" in str(seen[0])
        assert inst.exports.blob_size(b"ab") == 2  # the flag is down again after the call


def test_a_host_resource_the_guest_returns_is_the_python_object(kit: Any) -> None:
    made = kit.exports.blob_make(b"xyz")
    assert type(made) is Blob and made.data == b"xyz"
    assert Blob.dropped == []  # the host owns it now: no destructor ran


def test_host_objects_given_and_lent_to_the_guest(kit: Any) -> None:
    given = Blob(b"given")
    assert kit.exports.blob_take(given) == b"given"
    assert Blob.dropped == [b"given"]  # the guest owned it and dropped it
    lent = Blob(b"lent")
    assert kit.exports.blob_peek(lent) == 4
    assert kit.exports.blob_peek(lent) == 4  # a borrow: still the caller's
    assert Blob.dropped == [b"given"]
    with pytest.raises(wt.WasmArgumentError, match="an instance of Blob"):
        kit.exports.blob_peek(b"lent")


def test_a_host_function_with_two_borrows_hits_a_wasmtime_bug(kit: Any) -> None:
    # wasmtime 50.0.1: a host function taking two borrow<T> parameters always fails; the
    # guest's concat is such a call, and the error says so.
    with pytest.raises(wt.WasmRuntimeError, match="two borrow<...> parameters, which wasmtime 50.0.1 cannot call"):
        kit.exports.blob_concat(b"ab", b"cd")
