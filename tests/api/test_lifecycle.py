import gc

import pytest

import wt_api as wt

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)' \
      ' (memory (export "mem") 1))'


def test_call_after_module_close_raises(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(ADD))
    add = mod.exported_function("add")
    assert add is not None
    mod.close()
    mod.close()
    with pytest.raises(wt.ClosedError):
        add.call(1, 2)
    with pytest.raises(wt.ClosedError):
        mod.exported_function("add")


def test_everything_closes_with_the_runtime() -> None:
    r = wt.Runtime()
    compiled = r.compile_module(ADD)
    mod = r.instantiate(compiled)
    add = mod.exported_function("add")
    mem = mod.exported_memory("mem")
    assert add is not None and mem is not None
    r.close()
    assert mod.closed and compiled.closed and r.closed
    with pytest.raises(wt.ClosedError):
        add.call(1, 2)
    with pytest.raises(wt.ClosedError):
        mem.read(0, 1)
    with pytest.raises(wt.ClosedError):
        r.compile_module(ADD)
    r.close()


def test_instances_outlive_their_compiled_module(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    mod = runtime.instantiate(compiled)
    compiled.close()
    add = mod.exported_function("add")
    assert add is not None and add.call(2, 3) == [5]


def test_objects_dropped_without_close_are_freed(runtime: wt.Runtime) -> None:
    """A module dropped without close frees its store: at once when nothing else refers to it
    (no reference cycle waits for the collector), after a collection when its exports (which
    refer back to it) were looked up."""
    freed = []
    real = runtime._engine._raw_stores

    class CountingStores:  # the real C functions of a store's life, counting the frees
        new, context, limiter = real.new, real.context, real.limiter

        @staticmethod
        def delete(ptr: object) -> None:
            freed.append(ptr)
            real.delete(ptr)

    runtime._engine._raw_stores = CountingStores  # type: ignore[assignment]
    compiled = runtime.compile_module(ADD)
    gc.disable()
    try:
        for _ in range(50):
            mod = runtime.instantiate(compiled)
            del mod
        assert len(freed) == 50
        for _ in range(50):
            mod = runtime.instantiate(compiled)
            f = mod.exported_function("add")
            assert f is not None and f.call(1, 1) == [2]
            del mod, f
    finally:
        gc.enable()
    gc.collect()
    assert len(freed) == 100


def test_wrong_argument_types(runtime: wt.Runtime) -> None:
    with pytest.raises(TypeError):
        runtime.instantiate("not compiled")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wt.Runtime("config")  # type: ignore[arg-type]


def test_compiled_module_from_another_runtime_is_refused(runtime: wt.Runtime) -> None:
    with wt.Runtime() as other:
        compiled = other.compile_module(ADD)
        with pytest.raises(wt.LinkError):
            runtime.instantiate(compiled)


def test_start_function_trap_raises(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module("(module (func unreachable) (start 0))")
    with pytest.raises(wt.Trap):
        runtime.instantiate(compiled)


def test_missing_import_is_a_link_error(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module('(module (import "nowhere" "f" (func)))')
    with pytest.raises(wt.LinkError, match="nowhere"):
        runtime.instantiate(compiled)
