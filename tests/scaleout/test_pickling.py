"""A CompiledModule pickles with its wasm, its configuration and its compiled code, and lands
in a process-wide runtime of that configuration; instances, runtimes and exports refuse
to be pickled, saying what to do instead. (Other processes: test_pickle_processes.py;
hostile pickles: test_pickle_hostile.py.)"""

from __future__ import annotations

import copy
import io
import os
import pickle
import threading
import tracemalloc
from pathlib import Path

import pytest

import wt_api as wt
from wasmbin import wat2wasm
from wt_ffi import load

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def _policy(monkeypatch: pytest.MonkeyPatch) -> None:
    load()  # the library found as the test session says, before WT_CACHE_DIR goes
    monkeypatch.delenv("WT_PICKLED_CODE", raising=False)
    monkeypatch.delenv("WT_CACHE_DIR", raising=False)  # unpickled modules: the in-memory cache


def add(compiled: wt.CompiledModule, a: int = 2, b: int = 3) -> int:
    with compiled.runtime.instantiate(compiled) as mod:
        f = mod.exported_function("add")
        assert f is not None
        return wt.decode_i32(f.call(a, b)[0])


_configs = iter(range(1, 1 << 20))


def fresh_config() -> wt.RuntimeConfig:
    """A configuration no other test uses: its modules land in a runtime (and cache) of their own."""
    return wt.RuntimeConfig().with_max_wasm_stack((256 << 10) + 16 * next(_configs))


def stats(compiled: wt.CompiledModule) -> wt.CacheStats:
    cache = compiled.runtime.config.compilation_cache
    assert cache is not None
    return cache.stats()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_module_round_trips_with_every_protocol(runtime: wt.Runtime, protocol: int) -> None:
    compiled = runtime.compile_module(ADD)
    back = pickle.loads(pickle.dumps(compiled, protocol=protocol))
    assert isinstance(back, wt.CompiledModule) and back is not compiled
    assert back.exports == compiled.exports
    assert add(back, 40, 2) == 42
    assert back.runtime is not runtime and not back.closed


def test_every_runtime_method_compiles_modules_that_know_their_runtime(runtime: wt.Runtime, tmp_path: Path) -> None:
    path = tmp_path / "add.wat"
    path.write_text(ADD)
    made = [runtime.compile_module(ADD), runtime.compile_module(wat2wasm(ADD)), runtime.compile_file(path)]
    made.append(runtime.load_compiled(made[0].serialize()))
    artifact = tmp_path / "add.cwasm"
    artifact.write_bytes(made[0].serialize())
    made.append(runtime.load_compiled_file(artifact))
    for compiled in made:
        assert compiled.runtime is runtime
        assert add(pickle.loads(pickle.dumps(compiled))) == 5


def test_modules_unpickled_with_one_configuration_share_one_runtime(runtime: wt.Runtime) -> None:
    first = pickle.loads(pickle.dumps(runtime.compile_module(ADD)))
    second = pickle.loads(pickle.dumps(runtime.compile_module('(module (func (export "f")))')))
    assert first.runtime is second.runtime
    with wt.Runtime(wt.RuntimeConfig().with_fuel_metering()) as other:
        third = pickle.loads(pickle.dumps(other.compile_module(ADD)))
    assert third.runtime is not first.runtime
    assert third.runtime.config.fuel_metering


def test_the_settings_that_shape_code_travel_and_the_process_local_ones_stay(tmp_path: Path) -> None:
    config = (wt.RuntimeConfig().with_fuel_metering().with_epoch_interruption().with_feature("simd", False)
              .with_opt_level("none").with_max_wasm_stack(256 << 10).with_debug_info()
              .with_limits(wt.ResourceLimits(memory_size=3 * wt.WASM_PAGE))
              .with_wasi(wt.WasiSettings(args=("x",))))
    with wt.Runtime(config) as r:
        back = pickle.loads(pickle.dumps(r.compile_module(ADD)))
    got = back.runtime.config
    for name in ("fuel_metering", "epoch_interruption", "features", "opt_level", "max_wasm_stack", "debug_info",
                 "limits", "pooling", "parallel_compilation"):
        assert getattr(got, name) == getattr(config, name), name
    assert got.wasi is None  # WASI settings (host paths, writers) belong to the sender
    assert isinstance(got.compilation_cache, wt.CompilationCache) and got.compilation_cache.directory is None
    # fuel metering came along: a budget works in the receiving runtime
    with back.runtime.instantiate(back, wt.ModuleConfig().with_fuel(1000)) as mod:
        assert mod.fuel == 1000


def test_a_module_loads_its_shipped_code_instead_of_compiling() -> None:
    with wt.Runtime(fresh_config()) as r:
        data = pickle.dumps(r.compile_module(ADD))
    back = pickle.loads(data)
    # loaded, not compiled; and not written to this machine's cache, which holds only what
    # this machine compiled
    assert stats(back) == wt.CacheStats(hits=1)
    again = pickle.loads(data)  # a new handle to the code loaded a moment ago
    assert stats(again) == wt.CacheStats(hits=2) and again is not back
    back.close()
    assert add(again) == 5


def test_unpickling_never_loads_shipped_code_under_the_compile_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    with wt.Runtime(fresh_config()) as r:
        data = pickle.dumps(r.compile_module(ADD))
    monkeypatch.setenv("WT_PICKLED_CODE", "compile")
    back = pickle.loads(data)
    assert stats(back) == wt.CacheStats(misses=1, writes=1) and add(back) == 5
    assert stats(pickle.loads(data)) == wt.CacheStats(hits=1, misses=1, writes=1)  # this machine's own cache
    monkeypatch.setenv("WT_PICKLED_CODE", "trust-me")
    with pytest.raises(wt.ConfigError, match="WT_PICKLED_CODE is 'load'.*or 'compile'"):
        pickle.loads(data)


def test_a_module_loaded_from_compiled_code_travels_without_wasm(runtime: wt.Runtime,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = runtime.load_compiled(runtime.compile_module(ADD).serialize())
    data = pickle.dumps(loaded)
    assert add(pickle.loads(data)) == 5
    monkeypatch.setenv("WT_PICKLED_CODE", "compile")
    with pytest.raises(wt.CompileError, match="pickled without its wasm.*pickle a module compiled from wasm"):
        pickle.loads(data)


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_bytes_the_caller_changes_after_compiling_do_not_travel(kind: type, monkeypatch: pytest.MonkeyPatch) -> None:
    source = bytearray(wat2wasm(ADD))
    with wt.Runtime(fresh_config()) as r:
        compiled = r.compile_module(kind(source))
        source[:] = wat2wasm('(module (func (export "add") (param i32 i32) (result i32) local.get 0))')
        data = pickle.dumps(compiled)
    monkeypatch.setenv("WT_PICKLED_CODE", "compile")  # the receiver compiles the wasm that travelled
    back = pickle.loads(data)
    assert stats(back).misses == 1 and add(back) == 5


def test_a_module_compiled_from_a_file_reads_it_when_first_pickled(runtime: wt.Runtime, tmp_path: Path) -> None:
    path = tmp_path / "add.wat"
    path.write_text(ADD)
    compiled = runtime.compile_file(path)
    assert add(pickle.loads(pickle.dumps(compiled))) == 5
    # What it sends is made once: a later change of the file no longer matters to it...
    path.write_text('(module (func (export "add") (param i32 i32) (result i32) local.get 1))')
    assert add(pickle.loads(pickle.dumps(compiled))) == 5
    # ...but a module compiled before the change and pickled after it would send the wrong
    # wasm: pickling refuses.
    path.write_text(ADD)
    stale = runtime.compile_file(path)
    os.utime(path, ns=(1, 1))
    with pytest.raises(pickle.PicklingError, match=r"\(it changed since it was compiled\); compile it again"):
        pickle.dumps(stale)
    fresh = runtime.compile_file(path)
    path.unlink()
    with pytest.raises(pickle.PicklingError, match="cannot be read as it was when it was compiled"):
        pickle.dumps(fresh)


def test_buffers_go_out_of_band_and_in_place(runtime: wt.Runtime) -> None:
    wasm = wat2wasm(ADD)
    compiled = runtime.compile_module(wasm)
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(compiled, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 2 and len(stream) < 2048
    views = [b.raw() for b in buffers]
    assert views[0].obj is wasm  # the caller's own bytes, not a copy
    assert all(v.readonly for v in views)
    back = pickle.loads(stream, buffers=[v.obj if isinstance(v.obj, bytes) else v for v in views])
    assert add(back) == 5
    assert back._source is wasm  # bytes received out of band are kept, not copied


def test_writable_buffers_are_copied_once_so_that_later_changes_cannot_reach_wasmtime(runtime: wt.Runtime) -> None:
    wasm = wat2wasm(ADD)
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(runtime.compile_module(wasm), protocol=5, buffer_callback=buffers.append)
    received = [bytearray(b.raw()) for b in buffers]  # as a transport may deliver them: writable
    back = pickle.loads(stream, buffers=received)
    for buffer in received:
        buffer[:] = bytes(len(buffer))  # the transport reuses its buffers
    assert add(back) == 5 and back._source == wasm
    assert add(pickle.loads(pickle.dumps(back))) == 5  # and what it sends on is what came


def test_a_large_module_pickles_without_copies(runtime: wt.Runtime) -> None:
    size = 32 << 20
    compiled = runtime.compile_module(_with_data_segment(size))
    tracemalloc.start()
    try:
        buffers: list[pickle.PickleBuffer] = []
        stream = pickle.dumps(compiled, protocol=5, buffer_callback=buffers.append)
        _, peak = tracemalloc.get_traced_memory()
        assert peak < 2 << 20, f"pickling allocated {peak} bytes in Python"
        assert sum(b.raw().nbytes for b in buffers) > 2 * size  # the wasm and the compiled code
        tracemalloc.reset_peak()
        received = [b.raw().tobytes() for b in buffers]  # as a transport would deliver them
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        back = pickle.loads(stream, buffers=received)
        _, peak = tracemalloc.get_traced_memory()
        assert peak - before < 2 << 20, f"unpickling allocated {peak - before} bytes in Python"
    finally:
        tracemalloc.stop()
    assert back._source is received[0]
    with back.runtime.instantiate(back) as mod:
        memory = mod.exported_memory("memory")
        assert memory is not None and memory.read(size - 1, 1) == b"\x2a"


def _with_data_segment(size: int) -> bytes:
    """A module exporting a memory whose active data segment fills ``size`` bytes (0x2a each)."""
    def uleb(n: int) -> bytes:
        out = bytearray()
        while True:
            byte, n = n & 0x7F, n >> 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                return bytes(out)

    def section(kind: int, body: bytes) -> bytes:
        return bytes([kind]) + uleb(len(body)) + body

    pages = (size + 0xFFFF) // 0x10000
    memory = section(5, b"\x01\x00" + uleb(pages))
    export = section(7, b"\x01" + b"\x06memory" + b"\x02\x00")
    data = section(11, b"\x01\x00\x41\x00\x0b" + uleb(size) + b"\x2a" * size)
    return b"\0asm\x01\x00\x00\x00" + memory + export + data


def test_an_unpickled_module_pickles_again_as_it_came(runtime: wt.Runtime) -> None:
    back = pickle.loads(pickle.dumps(runtime.compile_module(ADD), protocol=5))
    buffers: list[pickle.PickleBuffer] = []
    pickle.dumps(back, protocol=5, buffer_callback=buffers.append)
    assert add(pickle.loads(pickle.dumps(back))) == 5


def test_copies_of_a_module_are_the_module(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    assert copy.copy(compiled) is compiled and copy.deepcopy([compiled])[0] is compiled


def test_closing_the_shared_runtime_closes_its_modules_and_the_next_unpickling_opens_another(
        runtime: wt.Runtime) -> None:
    data = pickle.dumps(runtime.compile_module(ADD))
    first = pickle.loads(data)
    shared = first.runtime
    shared.close()
    assert first.closed
    with pytest.raises(wt.ClosedError):
        shared.instantiate(first)
    second = pickle.loads(data)
    assert second.runtime is not shared and add(second) == 5


def test_a_closed_module_does_not_pickle(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    pickle.dumps(compiled)
    compiled.close()
    with pytest.raises(wt.ClosedError):
        pickle.dumps(compiled)


def test_threads_unpickle_and_pickle_at_once(runtime: wt.Runtime) -> None:
    data = pickle.dumps(runtime.compile_module(ADD))
    compiled = runtime.compile_module('(module (func (export "add") (param i32 i32) (result i32) '
                                      'local.get 0 local.get 1 i32.mul))')
    results: list[tuple[int, int, wt.Runtime]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work() -> None:
        try:
            start.wait()
            for _ in range(20):
                back = pickle.loads(data)
                other = pickle.loads(pickle.dumps(compiled))
                results.append((add(back, 6, 7), add(other, 6, 7), back.runtime))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert {(a, b) for a, b, _ in results} == {(13, 42)} and len(results) == 160
    assert len({id(rt) for _, _, rt in results}) == 1


def test_a_wasi_program_runs_from_its_unpickled_module(runtime: wt.Runtime) -> None:
    back = pickle.loads(pickle.dumps(runtime.compile_file(EXAMPLES / "wc.wat")))
    out = io.BytesIO()
    with back.runtime.instantiate_with_wasi(back, wt.ModuleConfig().with_stdin(b"one two\nthree\n")
                                            .with_stdout(out)) as mod:
        mod.exported_function("_start").call()
    assert out.getvalue() == b"2 3 14\n"


# -- what does not pickle -----------------------------------------------------------------
def test_instances_runtimes_and_exports_refuse_pickling_and_say_what_to_do(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(
        '(module (memory (export "m") 1) (global (export "g") i32 (i32.const 1)) (table (export "t") 1 funcref)'
        ' (func (export "f")))'))
    host = runtime.new_host_module_builder("env")
    function_builder = host.new_function_builder("h", [], []).with_func(lambda stack: None)
    objects = {"Module": mod, "Runtime": runtime, "Function": mod.exported_function("f"),
               "Memory": mod.exported_memory("m"), "Global": mod.exported_global("g"),
               "Table": mod.exported_table("t"), "HostModuleBuilder": host, "HostFunctionBuilder": function_builder}
    function_builder.export("h")
    objects["HostModule"] = host.instantiate()
    with wt.CompilationCache() as cache:
        objects["CompilationCache"] = cache
        for name, obj in objects.items():
            for protocol in (2, 5):
                with pytest.raises(TypeError, match=f"a wt {name} cannot be pickled: .*; .*scale-out guide"):
                    pickle.dumps(obj, protocol=protocol)
            with pytest.raises(TypeError, match=f"a wt {name} cannot be pickled"):
                copy.deepcopy(obj)
    with pytest.raises(TypeError, match="a wt Module cannot be pickled: an instance lives in a wasmtime store.*"
                                        r"compiled.runtime.instantiate\(compiled\)"):
        pickle.dumps(mod)


def test_a_caller_refuses_pickling_inside_its_call(runtime: wt.Runtime) -> None:
    seen: list[str] = []

    def host(caller: wt.Caller) -> None:
        try:
            pickle.dumps(caller)
        except TypeError as exc:
            seen.append(str(exc))

    builder = runtime.new_host_module_builder("env")
    builder.new_function_builder("h", [], []).with_typed_func(host, caller=True).export("h")
    builder.instantiate()
    mod = runtime.instantiate(runtime.compile_module('(module (import "env" "h" (func $h)) (func (export "f") call $h))'))
    mod.exported_function("f").call()
    assert seen and seen[0].startswith("a wt Caller cannot be pickled: it is valid only during one host call")


def test_modules_unpickled_again_share_their_types_and_code_but_not_their_lifetime() -> None:
    with wt.Runtime(fresh_config()) as r:
        data = pickle.dumps(r.compile_module(ADD))
    first, second = pickle.loads(data), pickle.loads(data)
    assert first is not second and first.runtime is second.runtime
    assert second.exports is first.exports and second.export_map is first.export_map
    first.close()
    assert first.closed and not second.closed and add(second) == 5


def test_a_module_importing_a_host_module_runs_where_the_worker_defines_it() -> None:
    with wt.Runtime(fresh_config()) as r:
        data = pickle.dumps(r.compile_module('(module (import "env" "tick" (func $t (param i32) (result i32)))'
                                             ' (func (export "add") (param i32 i32) (result i32)'
                                             ' (call $t (i32.add (local.get 0) (local.get 1)))))'))
    for _ in range(2):  # two tasks in one worker: the host module is defined once per runtime
        back = pickle.loads(data)
        if back.runtime.module("env") is None:
            builder = back.runtime.new_host_module_builder("env")
            builder.new_function_builder("tick", [wt.ValueType.I32], [wt.ValueType.I32]) \
                .with_typed_func(lambda x: x * 10).export("tick")
            builder.instantiate()
        assert add(back) == 50
