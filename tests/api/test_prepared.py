"""Runtime.prepare: a compiled module's imports resolved once, many instances, each in a
store of its own (wasmtime's InstancePre), with or without the pooling allocator."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import wt_api as wt
from wt_wasi import WASIConfig

ROOT = Path(__file__).resolve().parents[2]

COUNTER = """(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 0) "plugin")
  (func (export "next") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "spin") (loop $l br $l)))"""


def test_each_instance_has_its_own_state(runtime: wt.Runtime) -> None:
    prepared = runtime.prepare(runtime.compile_module(COUNTER))
    assert not prepared.uses_wasi and not prepared.closed
    first, second = prepared.instantiate(), prepared.instantiate()
    nxt = first.exported_function("next")
    assert nxt is not None and nxt.call() == [1] and nxt.call() == [2]
    other = second.exported_function("next")
    assert other is not None and other.call() == [1]
    memory = second.exported_memory("memory")
    assert memory is not None and memory.read(0, 6) == b"plugin"
    first.close()
    assert other.call() == [2]  # closing one instance leaves the others alone
    second.close()


def test_a_wasi_module_gets_a_context_per_instance(tmp_path: Path) -> None:
    out: list[bytes] = []
    with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_stdout(out.append))) as r:
        prepared = r.prepare(r.compile_file(ROOT / "examples" / "program.wat"))
        assert prepared.uses_wasi
        for arg in ("one", "two"):
            with prepared.instantiate(wt.ModuleConfig().with_args("program", arg)) as module:
                start = module.exported_function("_start")
                assert start is not None
                start.call()
    assert b"".join(out).splitlines()[:2] == [b"hello from wasm: one", b"hello from wasm: two"]


def test_only_wasi_imports_can_be_prepared(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module('(module (import "env" "f" (func)))')
    with pytest.raises(wt.LinkError, match="Runtime.instantiate"):
        runtime.prepare(compiled)
    with pytest.raises(TypeError):
        runtime.prepare(COUNTER)  # type: ignore[arg-type]
    with wt.Runtime() as other, pytest.raises(wt.LinkError, match="another runtime"):
        other.prepare(compiled)


def test_configs_apply_and_names_are_refused(runtime: wt.Runtime) -> None:
    prepared = runtime.prepare(runtime.compile_module(COUNTER))
    with pytest.raises(wt.LinkError, match="no name"):
        prepared.instantiate(wt.ModuleConfig().with_name("plugin"))
    with pytest.raises(TypeError):
        prepared.instantiate("config")  # type: ignore[arg-type]
    with pytest.raises(wt.InstantiationError):  # the one-page memory is over the limit
        prepared.instantiate(wt.ModuleConfig().with_limits(memory_size=0))
    with pytest.raises(wt.ConfigError, match="with_epoch_interruption"):  # a timeout needs epochs
        prepared.instantiate(wt.ModuleConfig().with_timeout(1))
    with wt.Runtime(wt.RuntimeConfig().with_epoch_interruption()) as r:
        timed = r.prepare(r.compile_module(COUNTER)).instantiate(wt.ModuleConfig().with_timeout(0.05))
        spin = timed.exported_function("spin")
        assert spin is not None
        with pytest.raises(wt.WasmTimeoutError):
            spin.call()


def test_closing_refuses_new_instances_and_keeps_the_old_ones(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(COUNTER)
    prepared = runtime.prepare(compiled)
    module = prepared.instantiate()
    compiled.close()  # the prepared state keeps what it needs of the module
    again = prepared.instantiate()
    prepared.close()
    prepared.close()  # idempotent
    assert prepared.closed
    with pytest.raises(wt.ClosedError, match="prepared module is closed"):
        prepared.instantiate()
    for m in (module, again):
        nxt = m.exported_function("next")
        assert nxt is not None and nxt.call() == [1]
    runtime.close()
    assert module.closed and again.closed
    with pytest.raises(wt.ClosedError):
        runtime.prepare(compiled)


def test_the_pooling_allocator_bounds_live_instances() -> None:
    pools = wt.PoolingAllocator(total_core_instances=2, total_memories=2, total_tables=2, total_stacks=2,
                                total_gc_heaps=2, max_memory_size=1 << 20)
    with wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(pools)) as r:
        prepared = r.prepare(r.compile_module(COUNTER))
        live = [prepared.instantiate(), prepared.instantiate()]
        with pytest.raises(wt.InstantiationError):
            prepared.instantiate()
        live.pop().close()
        for _ in range(50):  # a slot freed by close is used again
            prepared.instantiate().close()
        assert len(live) == 1


def test_threads_instantiate_at_once(runtime: wt.Runtime) -> None:
    prepared = runtime.prepare(runtime.compile_module(COUNTER))
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                with prepared.instantiate() as m:
                    nxt = m.exported_function("next")
                    assert nxt is not None
                    results.append(nxt.call()[0])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    prepared_closer = threading.Timer(0.01, prepared.close)  # a close meanwhile: later ones are refused
    prepared_closer.start()
    for t in threads:
        t.join()
    prepared_closer.join()
    assert all(isinstance(e, wt.ClosedError) for e in errors), errors
    assert results and set(results) == {1}


def test_a_start_function_that_traps_leaves_nothing_behind(runtime: wt.Runtime) -> None:
    prepared = runtime.prepare(runtime.compile_module('(module (memory 1) (func $s unreachable) (start $s))'))
    for _ in range(3):
        with pytest.raises(wt.Trap) as info:
            prepared.instantiate()
        assert info.value.code == wt.TrapCode.UNREACHABLE_CODE_REACHED
    assert not prepared.closed


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork")
def test_a_forked_child_cannot_use_the_parents_prepared_module() -> None:
    from tests.misuse.child import run_in_child

    run_in_child('''
import os
r = wt.Runtime()
prepared = r.prepare(r.compile_module('(module (func (export "f")))'))
prepared.instantiate().close()
pid = os.fork()
if pid == 0:
    try:
        prepared.instantiate()
        os._exit(1)
    except wt.ClosedError as exc:
        os._exit(0 if "fork" in str(exc) else 2)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
prepared.instantiate().close()  # the parent's goes on
''')
