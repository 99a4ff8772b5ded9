"""Host imports through wt_api: Python functions and classes implement a component's
imports, checked against their WIT types when the component is instantiated; what a host
function raises comes out of the call as itself."""

from __future__ import annotations

from typing import Any

import pytest

import wt_api as wt

from . import wat
from .conftest import Blob, KitchenHost

HOST = "wt:kitchen/host@0.1.0"


def test_host_functions_are_called_with_python_values(kit: Any, kitchen_host: KitchenHost) -> None:
    e = kit.exports
    e.call_log("héllo")
    assert kitchen_host.logged == ["héllo"]
    assert e.call_add(2, 3) == 5
    assert e.call_describe("ann", 7, ["x", "y"]) == "ann/7: x,y"
    assert e.call_describe("ann", 7, []) is None


@pytest.mark.parametrize("key", [HOST, "wt:kitchen/host", "host"])
def test_an_interface_is_named_in_full_without_version_or_by_its_short_name(runtime: Any, component: Any,
                                                                            key: str) -> None:
    host = KitchenHost()
    with runtime.instantiate_component_with_wasi(component("kitchen"), imports={key: host}) as inst:
        assert inst.exports.call_add(1, 1) == 2


def test_a_mapping_implements_an_interface(runtime: Any, component: Any) -> None:
    impl = {"log": print, "add": lambda a, b: a * b, "describe": lambda who, tags: None, "Blob": Blob}
    with runtime.instantiate_component_with_wasi(component("kitchen"), imports={HOST: impl}) as inst:
        assert inst.exports.call_add(3, 4) == 12


def test_a_missing_interface_is_a_link_error_naming_it(runtime: Any, component: Any) -> None:
    with pytest.raises(wt.LinkError, match=r"imports the interface wt:kitchen/host@0\.1\.0 \(.*log: func\(msg: "
                                           r"string\).*\), which nothing implements"):
        runtime.instantiate_component_with_wasi(component("kitchen"))


def test_a_missing_function_is_a_link_error_naming_it_and_its_type(runtime: Any, component: Any) -> None:
    class Partial:
        Blob = Blob

        def log(self, msg: str) -> None: ...

        def add(self, a: int, b: int) -> int: ...

    with pytest.raises(wt.LinkError, match=r"wt:kitchen/host@0\.1\.0, function describe: "
                                           r"func\(who: tuple<string, u32>, tags: list<string>\) -> option<string>: "
                                           r"Partial has no 'describe'"):
        runtime.instantiate_component_with_wasi(component("kitchen"), imports={HOST: Partial()})


def test_a_function_that_cannot_take_the_arguments_is_a_link_error(runtime: Any, component: Any) -> None:
    host = KitchenHost()
    host.add = lambda a: a  # type: ignore[assignment,method-assign]
    with pytest.raises(wt.LinkError, match=r"add.*cannot take the 2 argument\(s\) of the import \(a: s32, b: s32\)"):
        runtime.instantiate_component_with_wasi(component("kitchen"), imports={HOST: host})


def test_a_missing_resource_class_is_a_link_error(runtime: Any, component: Any) -> None:
    impl = {"log": print, "add": lambda a, b: a, "describe": lambda who, tags: None}
    with pytest.raises(wt.LinkError, match="needs a class Blob for its resource 'blob'"):
        runtime.instantiate_component_with_wasi(component("kitchen"), imports={HOST: impl})


def test_names_the_component_does_not_import_are_refused(runtime: Any, component: Any) -> None:
    with pytest.raises(wt.LinkError, match="'wt:kitchen/other', which the component does not import"):
        runtime.instantiate_component_with_wasi(component("kitchen"),
                                                imports={HOST: KitchenHost(), "wt:kitchen/other": object()})


def test_wasi_imports_need_instantiate_with_wasi(runtime: Any, component: Any) -> None:
    with pytest.raises(wt.LinkError, match="imports WASI .* without WASI: use Runtime.instantiate_component_with_wasi"):
        runtime.instantiate_component(component("kitchen"), imports={HOST: KitchenHost()})


def test_a_python_exception_comes_out_as_itself(kit: Any) -> None:
    with pytest.raises(ValueError, match="13 is unlucky") as caught:
        kit.exports.call_add(13, 1)
    assert type(caught.value) is ValueError
    # a host function's failure traps the guest, which the component model forbids to re-enter
    with pytest.raises(wt.WasmRuntimeError, match=r"unusable: an earlier call failed \(ValueError: 13 is unlucky\)"):
        kit.exports.version()


def test_top_level_function_imports() -> None:
    with wt.Runtime() as rt:
        compiled = rt.compile_component(wat.HOST_FUNCS)
        calls: list[str] = []

        def greet(who: str) -> str:
            calls.append(who)
            return f"hello {who}"

        with rt.instantiate_component(compiled, imports={"twice": lambda n: 2 * n, "greet": greet}) as inst:
            assert inst.exports.call_twice(21) == 42
            assert inst.exports.call_greet("wörld") == "hello wörld" and calls == ["wörld"]
            assert inst.exports.call_greet("x" * 5000) == "hello " + "x" * 5000


@pytest.mark.parametrize("result,error", [
    ("not an int", "host function twice: func\\(n: s32\\) -> s32: returned expected s32, got str"),
    (2**40, "out of range"),
    (None, "expected s32, got NoneType"),
])
def test_a_host_result_of_the_wrong_type_is_a_type_error(result: Any, error: str) -> None:
    with wt.Runtime() as rt:
        compiled = rt.compile_component(wat.HOST_FUNCS)
        with rt.instantiate_component(compiled, imports={"twice": lambda n: result, "greet": str}) as inst:
            with pytest.raises(TypeError, match=error):
                inst.exports.call_twice(1)


@pytest.mark.parametrize("char", ["\ud800", "ab", "", 65])
def test_a_host_char_that_is_not_a_scalar_value_is_refused_before_c(char: Any) -> None:
    # (wasmtime aborts the process on such a char: wt must never hand it over)
    with wt.Runtime() as rt:
        with rt.instantiate_component(rt.compile_component(wat.HOST_CHAR),
                                      imports={"host": {"get_char": lambda: char}}) as inst:
            with pytest.raises(TypeError, match="char"):
                inst.exports.call()


def test_a_host_string_that_is_not_utf8_is_refused_before_c() -> None:
    with wt.Runtime() as rt:
        compiled = rt.compile_component(wat.HOST_FUNCS)
        with rt.instantiate_component(compiled, imports={"twice": int, "greet": lambda who: "\udcff"}) as inst:
            with pytest.raises(TypeError, match="lone surrogate"):
                inst.exports.call_greet("x")


def test_a_host_function_cannot_call_back_into_its_instance() -> None:
    with wt.Runtime() as rt:
        compiled = rt.compile_component(wat.HOST_FUNCS)
        box: list[Any] = []
        with rt.instantiate_component(compiled, imports={"twice": lambda n: box[0].exports.call_twice(n),
                                                         "greet": str}) as inst:
            box.append(inst)
            with pytest.raises(wt.WasmRuntimeError, match="cannot call back into the instance that called it"):
                inst.exports.call_twice(1)


def test_a_coroutine_function_is_refused_as_an_import() -> None:
    async def greet(who: str) -> str:
        return who

    with wt.Runtime() as rt:
        with pytest.raises(wt.LinkError, match="is a coroutine function"):
            rt.instantiate_component(rt.compile_component(wat.HOST_FUNCS), imports={"twice": int, "greet": greet})
