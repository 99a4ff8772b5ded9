"""CompiledModules across processes: a fresh (spawn) process runs a pickled module without
compiling it, and compiles it when its engine differs; process pools (fork and spawn), a
fork after unpickling, worker-side disk caches, Dask and Ray workers. Each scenario runs
as a script in a child Python (a crash or a hang fails the test, not the runner)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wt_api as wt
from optional import require_extra
from wasmbin import wat2wasm
from wt_ffi import library_path

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'

PRELUDE = '''\
import json, os, pickle, sys, time
import wt_api as wt

def stats(compiled):
    s = compiled.runtime.config.compilation_cache.stats()
    return {"hits": s.hits, "misses": s.misses, "writes": s.writes, "rejected": s.rejected}

def add(compiled, a=2, b=3):
    with compiled.runtime.instantiate(compiled) as mod:
        return wt.decode_i32(mod.exported_function("add").call(a, b)[0])
'''


def large_wasm(functions: int = 1500) -> bytes:
    """A module that takes a while to compile: ``functions`` arithmetic-heavy functions."""
    body = []
    for i in range(functions):
        ops = " ".join(f"(local.set $x (i32.add (i32.mul (local.get $x) (i32.const {k * 7 + i}))"
                       f" (i32.xor (local.get $x) (i32.const {k}))))" for k in range(12))
        call = f"(local.set $x (call $f{i - 1} (local.get $x)))" if i else ""
        body.append(f'(func $f{i} (export "f{i}") (param $x i32) (result i32) {ops} {call} local.get $x)')
    body.append('(func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)')
    return wat2wasm("(module " + "\n".join(body) + ")")


def child_env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    path = library_path()
    assert path is not None
    env["WASMTIME_LIB_PATH"] = str(path)  # a WT_CACHE_DIR of a test's own must not hide the library
    env.pop("WT_PICKLED_CODE", None)
    env.pop("WT_CACHE_DIR", None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_script(tmp_path: Path, code: str, *, env: dict[str, str] | None = None, timeout: float = 180) -> dict:
    """Run PRELUDE + ``code`` as a script in a child Python; the JSON its last line prints."""
    script = tmp_path / f"scenario_{len(list(tmp_path.glob('scenario_*.py')))}.py"
    script.write_text(PRELUDE + textwrap.dedent(code))
    try:
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout,
                              env=env if env is not None else child_env(), cwd=tmp_path)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the scenario hung past {timeout} s") from None
    assert proc.returncode == 0, f"status {proc.returncode}\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Forged:
    """A pickle made from a payload a test changed (what another machine or version sends)."""

    def __init__(self, compiled: wt.CompiledModule, **changes: object) -> None:
        self.restore, (payload,) = compiled.__reduce_ex__(4)
        self.payload = {**payload, **changes}

    def __reduce__(self) -> tuple[object, ...]:
        return self.restore, (self.payload,)


def test_a_fresh_spawn_process_runs_a_pickled_module_without_compiling(tmp_path: Path) -> None:
    wasm = large_wasm()
    (tmp_path / "module.wasm").write_bytes(wasm)
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(wasm), protocol=5))
    found = run_script(tmp_path, '''
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        def land(data, wasm):
            compiled = pickle.loads(data)
            return {"stats": stats(compiled), "add": add(compiled, 20, 22), "pid": os.getpid()}

        if __name__ == "__main__":
            data, wasm = open("module.pickle", "rb").read(), open("module.wasm", "rb").read()
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
                found = pool.submit(land, data, wasm).result()
            assert found["pid"] != os.getpid()
            print(json.dumps(found))
        ''')
    assert found["add"] == 42
    # The shipped code was used (a hit), nothing compiled (no miss): what that saves is the
    # benchmarks' business (`nox -s bench -- scaleout`).
    assert found["stats"] == {"hits": 1, "misses": 0, "writes": 0, "rejected": 0}


def test_a_process_whose_engine_differs_compiles_the_wasm_instead(tmp_path: Path) -> None:
    wasm = large_wasm(300)
    with wt.Runtime() as here, wt.Runtime(wt.RuntimeConfig().with_epoch_interruption()) as other:
        ours, theirs = here.compile_module(wasm), other.compile_module(wasm)
        _, (mine,) = ours.__reduce_ex__(4)
        _, (foreign,) = theirs.__reduce_ex__(4)
        # Code made by an engine with other settings (or another machine, wasmtime or wt
        # version), honestly labelled: never given to wasmtime, the wasm is compiled.
        honest = Forged(ours, artifact=foreign["artifact"], sha=foreign["sha"], engine=foreign["engine"])
        # The same code labelled as this engine's: wasmtime checks the settings and refuses it.
        lying = Forged(ours, artifact=foreign["artifact"], sha=foreign["sha"], engine=mine["engine"])
        assert foreign["engine"] != mine["engine"]
        for name, forged in (("honest", honest), ("lying", lying)):
            (tmp_path / f"{name}.pickle").write_bytes(pickle.dumps(forged, protocol=5))
    found = run_script(tmp_path, '''
        import multiprocessing

        def land(name):
            compiled = pickle.loads(open(name + ".pickle", "rb").read())
            return {"stats": stats(compiled), "add": add(compiled)}

        if __name__ == "__main__":
            # a fresh spawn process for each pickle
            with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
                print(json.dumps({name: pool.apply(land, (name,)) for name in ("honest", "lying")}))
        ''')
    assert found["honest"] == {"stats": {"hits": 0, "misses": 1, "writes": 1, "rejected": 0}, "add": 5}
    assert found["lying"] == {"stats": {"hits": 0, "misses": 1, "writes": 1, "rejected": 1}, "add": 5}


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_process_pool_workers_load_instead_of_compiling(tmp_path: Path, method: str) -> None:
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(large_wasm(200))))
    found = run_script(tmp_path, f'''
        import multiprocessing, warnings
        from concurrent.futures import ProcessPoolExecutor

        def task(compiled, n):
            return os.getpid(), add(compiled, n, n), stats(compiled)

        if __name__ == "__main__":
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads alive
            compiled = pickle.loads(open("module.pickle", "rb").read())
            serial = [add(compiled, n, n) for n in range(50)]
            with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context({method!r})) as pool:
                done = list(pool.map(task, [compiled] * 50, range(50)))
            print(json.dumps({{"same": [d[1] for d in done] == serial, "pids": sorted({{d[0] for d in done}}),
                              "misses": max(d[2]["misses"] for d in done), "hits": [d[2]["hits"] for d in done],
                              "parent": os.getpid()}}))
        ''')
    assert found["same"] and found["parent"] not in found["pids"]
    assert found["misses"] == 0 and min(found["hits"]) >= 1  # every worker loaded, none compiled


def test_after_a_fork_a_child_unpickles_into_a_runtime_of_its_own(tmp_path: Path) -> None:
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(ADD)))
    found = run_script(tmp_path, '''
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads alive
        data = open("module.pickle", "rb").read()
        before = pickle.loads(data)
        parent_runtime = id(before.runtime)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            out = {}
            again = pickle.loads(data)
            out["new_runtime"] = id(again.runtime) != parent_runtime
            out["add"] = add(again)
            try:
                add(before)
            except wt.ClosedError as exc:
                out["inherited"] = str(exc)
            out["resent"] = add(pickle.loads(pickle.dumps(before)))  # its wasm (and code) still travel
            os.write(write, json.dumps(out).encode())
            os._exit(0)
        os.close(write)
        out = json.loads(os.read(read, 65536))
        os.waitpid(pid, 0)
        out["parent_add"] = add(pickle.loads(data))
        print(json.dumps(out))
        ''')
    assert found["new_runtime"] and found["add"] == 5 and found["resent"] == 5 and found["parent_add"] == 5
    assert "os.fork()" in found["inherited"] and "new wt.Runtime in the child" in found["inherited"]


def test_a_worker_with_wt_cache_dir_compiles_each_module_once(tmp_path: Path) -> None:
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(large_wasm(100))))
    cache = tmp_path / "worker-cache"
    env = child_env(WT_CACHE_DIR=str(cache), WT_PICKLED_CODE="compile")
    code = '''
        compiled = pickle.loads(open("module.pickle", "rb").read())
        print(json.dumps({"stats": stats(compiled), "add": add(compiled),
                          "dir": str(compiled.runtime.config.compilation_cache.directory)}))
        '''
    first = run_script(tmp_path, code, env=env)
    second = run_script(tmp_path, code, env=env)
    assert first["stats"] == {"hits": 0, "misses": 1, "writes": 1, "rejected": 0} and first["add"] == 5
    assert second["stats"] == {"hits": 1, "misses": 0, "writes": 0, "rejected": 0} and second["add"] == 5
    assert first["dir"] == str(cache / "modules") and len(list((cache / "modules").glob("*.wtc"))) == 1


def test_shipped_code_is_never_written_to_a_workers_disk_cache(tmp_path: Path) -> None:
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(large_wasm(100))))
    cache = tmp_path / "worker-cache"
    found = run_script(tmp_path, '''
        compiled = pickle.loads(open("module.pickle", "rb").read())
        print(json.dumps({"stats": stats(compiled), "add": add(compiled)}))
        ''', env=child_env(WT_CACHE_DIR=str(cache)))
    assert found == {"stats": {"hits": 1, "misses": 0, "writes": 0, "rejected": 0}, "add": 5}
    assert not list((cache / "modules").glob("*.wtc"))  # the disk holds only what this machine compiled


def test_a_worker_uses_the_senders_cache_directory_when_it_exists_there(tmp_path: Path) -> None:
    directory = tmp_path / "shared-cache"
    with wt.CompilationCache.with_dir(directory) as cache:
        with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
            (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(large_wasm(100))))
    found = run_script(tmp_path, '''
        compiled = pickle.loads(open("module.pickle", "rb").read())
        print(json.dumps({"stats": stats(compiled), "add": add(compiled),
                          "dir": str(compiled.runtime.config.compilation_cache.directory)}))
        ''', env=child_env(WT_PICKLED_CODE="compile"))
    # The sender's compile wrote the entry; the worker, told not to load shipped code, finds
    # this machine's own entry there instead of compiling.
    assert found == {"stats": {"hits": 1, "misses": 0, "writes": 0, "rejected": 0}, "add": 5,
                     "dir": str(directory)}


def test_dask_workers_load_the_scattered_module_without_compiling(tmp_path: Path) -> None:
    require_extra("dask")
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(large_wasm(200))))
    found = run_script(tmp_path, '''
        from dask.distributed import Client, LocalCluster

        def task(compiled, n):
            return os.getpid(), add(compiled, n, 1), stats(compiled)

        if __name__ == "__main__":
            compiled = pickle.loads(open("module.pickle", "rb").read())
            with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster, \\
                    Client(cluster) as client:
                shipped = client.scatter(compiled, broadcast=True)
                done = client.gather(client.map(task, [shipped] * 40, range(40)))
            print(json.dumps({"results": [d[1] for d in done], "pids": sorted({d[0] for d in done}),
                              "misses": max(d[2]["misses"] for d in done), "parent": os.getpid()}))
        ''')
    assert found["results"] == [n + 1 for n in range(40)] and found["parent"] not in found["pids"]
    assert found["misses"] == 0


def test_ray_workers_load_the_module_from_the_object_store_without_compiling(tmp_path: Path) -> None:
    require_extra("ray")
    with wt.Runtime() as r:
        (tmp_path / "module.pickle").write_bytes(pickle.dumps(r.compile_module(large_wasm(200))))
    found = run_script(tmp_path, '''
        import ray

        def task(compiled, n):
            return os.getpid(), add(compiled, n, 1), stats(compiled)

        if __name__ == "__main__":
            compiled = pickle.loads(open("module.pickle", "rb").read())
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            try:
                shipped = ray.put(compiled)
                remote = ray.remote(task)
                done = ray.get([remote.remote(shipped, n) for n in range(40)])
            finally:
                ray.shutdown()
            print(json.dumps({"results": [d[1] for d in done], "pids": sorted({d[0] for d in done}),
                              "misses": max(d[2]["misses"] for d in done), "parent": os.getpid()}))
        ''', timeout=300)
    assert found["results"] == [n + 1 for n in range(40)] and found["parent"] not in found["pids"]
    assert found["misses"] == 0
