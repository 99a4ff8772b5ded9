"""Compilation caches: in memory across runtimes, on disk across processes; entries are
verified before wasmtime loads them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wt_api as wt
from wasmbin import wat2wasm

WAT = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
SUB = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub))'


def add(r: wt.Runtime, source: str = WAT) -> int:
    mod = r.instantiate(r.compile_module(source))
    f = mod.exported_function("add")
    assert f is not None
    return wt.decode_i32(f.call(2, 3)[0])


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.wtc"))


def test_memory_cache_reuses_a_module_across_runtimes() -> None:
    with wt.CompilationCache() as cache:
        config = wt.RuntimeConfig().with_compilation_cache(cache)
        for _ in range(3):
            with wt.Runtime(config) as r:
                assert add(r) == 5
        assert cache.stats() == wt.CacheStats(hits=2, misses=1, writes=1)
        assert cache.directory is None


def test_a_change_of_engine_settings_is_a_different_entry() -> None:
    cache = wt.CompilationCache()
    base = wt.RuntimeConfig().with_compilation_cache(cache)
    variants = [base, base.with_opt_level("none"), base.with_debug_info(), base.with_fuel_metering(),
                base.with_epoch_interruption(), base.with_feature("simd", False)]
    for config in variants:
        with wt.Runtime(config) as r:
            assert add(r) == 5
    assert cache.stats().misses == len(variants) and cache.stats().hits == 0
    # Settings that do not touch code generation share entries.
    with wt.Runtime(base.with_parallel_compilation(False)) as r:
        assert add(r) == 5
    assert cache.stats().hits == 1
    # WAT text and its binary are the same module.
    with wt.Runtime(base) as r:
        r.compile_module(wt_binary(WAT))
    assert cache.stats().hits == 2
    cache.close()


def wt_binary(wat: str) -> bytes:
    return wat2wasm(wat)


def test_disk_cache_is_created_and_reused(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    assert cache.directory == directory and directory.is_dir()
    config = wt.RuntimeConfig().with_compilation_cache(cache)
    with wt.Runtime(config) as r:
        assert add(r) == 5
        assert add(r, SUB) == -1
    assert len(entries(directory)) == 2
    with wt.Runtime(config) as r:
        assert add(r) == 5
    assert cache.stats() == wt.CacheStats(hits=1, misses=2, writes=2)
    cache.clear()
    assert entries(directory) == []


def test_the_seed_example_with_a_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = wt.CompilationCache.with_dir("~/.cache/wasm")
    config = wt.RuntimeConfig().with_compilation_cache(cache)
    r = wt.Runtime(config)
    assert add(r) == 5
    r.close()
    cache.close()
    assert entries(tmp_path / ".cache" / "wasm")


CHILD = textwrap.dedent('''
    import sys, time
    import wt_api as wt
    cache = wt.CompilationCache.with_dir(sys.argv[1])
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        mod = r.instantiate(r.compile_module(sys.argv[2]))
        assert wt.decode_i32(mod.exported_function("add").call(2, 3)[0]) in (5, -1)
    s = cache.stats()
    print(s.hits, s.misses, s.writes, s.rejected)
''')


def run_child(tmp_path: Path, directory: Path, source: str = WAT) -> tuple[int, int, int, int]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, str(script), str(directory), source], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    hits, misses, writes, rejected = map(int, proc.stdout.split())
    return hits, misses, writes, rejected


def test_a_second_process_loads_without_compiling(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    assert run_child(tmp_path, directory) == (0, 1, 1, 0)
    assert run_child(tmp_path, directory) == (1, 0, 0, 0)


def corrupt(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0xFF
    elif how == "truncate":
        del data[len(data) // 2:]
    elif how == "start":
        data[:8] = b"NOTWTCA!"
    elif how == "trailer":
        data[-8:] = b"NOTWTCA!"
    elif how == "empty":
        data = bytearray()
    elif how == "foreign":
        data = bytearray(os.urandom(4096))
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["flip", "truncate", "start", "trailer", "empty", "foreign"])
def test_a_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path, how: str) -> None:
    directory = tmp_path / "cache"
    assert run_child(tmp_path, directory) == (0, 1, 1, 0)
    [entry] = entries(directory)
    good = entry.read_bytes()
    corrupt(entry, how)
    assert run_child(tmp_path, directory) == (0, 1, 1, 1)
    assert entry.read_bytes() == good  # rewritten
    assert run_child(tmp_path, directory) == (1, 0, 0, 0)


def test_an_entry_under_another_key_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    run_child(tmp_path, directory)
    run_child(tmp_path, directory, SUB)
    first, second = entries(directory)
    first.write_bytes(second.read_bytes())  # a valid entry, but for the other module
    cache = wt.CompilationCache.with_dir(directory)
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        results = {add(r), add(r, SUB)}
    assert results == {5, -1}
    assert cache.stats().rejected == 1


def test_an_artifact_wasmtime_refuses_is_rewritten(tmp_path: Path) -> None:
    """A well-formed entry whose artifact comes from another engine configuration."""
    import hashlib

    from wt_api._cache_keys import cache_key
    from wt_api._cache_disk import MAGIC, TRAILER
    from wt_api._engine import fingerprint

    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    config = wt.RuntimeConfig().with_compilation_cache(cache)
    with wt.Runtime(wt.RuntimeConfig().with_fuel_metering()) as other:
        artifact = other.compile_module(WAT).serialize()
    key = cache_key(wt_binary(WAT), fingerprint(config))
    trailer = TRAILER.pack(key, hashlib.sha256(artifact).digest(), len(artifact), MAGIC)
    (directory / (key.hex() + ".wtc")).write_bytes(artifact + trailer)
    with wt.Runtime(config) as r:
        assert add(r) == 5
    assert cache.stats() == wt.CacheStats(misses=1, writes=1, rejected=1)
    with wt.Runtime(config) as r:
        assert add(r) == 5
    assert cache.stats().hits == 1


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the full SHA-256 verifications of disk entries."""
    from wt_api import _cache_disk as cache_disk

    calls: list[int] = []
    real = cache_disk._sha256

    def counted(fd: int, length: int) -> bytes:
        calls.append(length)
        return real(fd, length)

    monkeypatch.setattr(cache_disk, "_sha256", counted)
    return calls


def test_a_verified_entry_is_loaded_by_its_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 hashing: list[int]) -> None:
    from wt_api import _cache_disk as cache_disk

    monkeypatch.setattr(cache_disk, "RACY_NS", 0)  # trust entries at once (normally after 2 s)
    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    config = wt.RuntimeConfig().with_compilation_cache(cache)
    with wt.Runtime(config) as r:
        assert add(r) == 5  # compiled and stored
        assert add(r) == 5  # verified in full, then stamped
        assert len(hashing) == 1
        [entry] = entries(directory)
        stamp = entry.with_suffix(".stamp")
        assert len(stamp.read_bytes()) > 0
        for _ in range(3):
            assert add(r) == 5  # the stamp vouches: no digest
        assert len(hashing) == 1
    assert cache.stats() == wt.CacheStats(hits=4, misses=1, writes=1)
    vouched = stamp.read_bytes()
    assert run_child(tmp_path, directory) == (1, 0, 0, 0)
    assert stamp.read_bytes() == vouched  # the other process trusted it (a verification would rewrite it)


@pytest.mark.parametrize("how", ["flip", "truncate", "append"])
def test_a_stamped_entry_changed_in_place_is_verified_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            hashing: list[int], how: str) -> None:
    import time

    from wt_api import _cache_disk as cache_disk

    monkeypatch.setattr(cache_disk, "RACY_NS", 0)
    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        add(r)
        add(r)  # stamped
        [entry] = entries(directory)
        good = entry.read_bytes()
        time.sleep(0.05)  # past a tick of the file system's clock
        with open(entry, "r+b") as f:  # in place: same inode
            if how == "flip":
                f.seek(len(good) // 3)
                f.write(bytes([good[len(good) // 3] ^ 1]))
            elif how == "truncate":
                f.truncate(len(good) - 100)
            else:
                f.seek(0, os.SEEK_END)
                f.write(b"more")
        assert add(r) == 5
        assert cache.stats().rejected == 1 and cache.stats().misses == 2
        assert entry.read_bytes() == good
    assert len(hashing) == (2 if how == "flip" else 1)  # the others fail before the digest


def test_a_fresh_entry_is_verified_until_its_change_time_is_old(tmp_path: Path, hashing: list[int]) -> None:
    """Within RACY_NS of a write, a change in the same clock tick could go unseen: no stamp."""
    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        for _ in range(4):
            assert add(r) == 5
    assert len(hashing) == 3
    [entry] = entries(directory)
    assert entry.with_suffix(".stamp").read_bytes() == b""  # a record of use only


@pytest.mark.parametrize("way", ["copy", "by-name"])
def test_the_other_ways_of_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    """Windows' way (verify every time, wasmtime reads a private copy) and systems without
    /proc/self/fd or /dev/fd (wasmtime opens the name, checked again afterwards)."""
    from wt_api import _cache_disk as cache_disk

    monkeypatch.setattr(cache_disk, "RACY_NS", 0)
    if way == "by-name":
        monkeypatch.setattr(cache_disk, "_FD_DIR", [None])
    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    assert cache._disk is not None
    if way == "copy":
        cache._disk.trust_stamps = cache._disk.map_files = False
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        for _ in range(3):
            assert add(r) == 5
        [entry] = entries(directory)
        corrupt(entry, "flip")
        assert add(r) == 5
    assert cache.stats() == wt.CacheStats(hits=2, misses=2, writes=2, rejected=1)


def test_a_loaded_module_outlives_its_entry(tmp_path: Path) -> None:
    """wasmtime maps the entry: removing or replacing the file leaves loaded modules whole."""
    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        r.compile_module(WAT)
        compiled = r.compile_module(WAT)
        assert cache.stats().hits == 1
        cache.clear()
        assert list(directory.iterdir()) == []
        r.compile_module(WAT)  # a new entry under the same name
        for _ in range(2):
            mod = r.instantiate(compiled)
            assert wt.decode_i32(mod.exported_function("add").call(2, 3)[0]) == 5  # type: ignore[union-attr]


@pytest.fixture
def content_digests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the digests of module contents (each means the module's bytes were read)."""
    from wt_api import _digest as digest

    calls: list[int] = []
    real = digest.tree_sha256

    def counted(data: bytes, prefix: bytes = b"") -> bytes:
        if prefix in (b"wasm", b"wat"):
            calls.append(len(data))
        return real(data, prefix)

    monkeypatch.setattr(digest, "tree_sha256", counted)
    return calls


def call_add(r: wt.Runtime, compiled: wt.CompiledModule) -> int:
    f = r.instantiate(compiled).exported_function("add")
    assert f is not None
    return wt.decode_i32(f.call(2, 3)[0])


@pytest.mark.parametrize("kind", ["disk", "memory"])
def test_an_unchanged_file_finds_its_entry_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              content_digests: list[int], kind: str) -> None:
    from wt_api import _cache_disk as cache_disk

    monkeypatch.setattr(cache_disk, "RACY_NS", 0)
    source = tmp_path / "add.wasm"
    source.write_bytes(wt_binary(WAT))
    cache = wt.CompilationCache.with_dir(tmp_path / "cache") if kind == "disk" else wt.CompilationCache()
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        assert call_add(r, r.compile_file(source)) == 5
        assert len(content_digests) == 1
        for _ in range(3):
            assert call_add(r, r.compile_file(str(source))) == 5
        assert len(content_digests) == 1
        assert call_add(r, r.compile_module(source.read_bytes())) == 5  # the same entry
    assert cache.stats() == wt.CacheStats(hits=4, misses=1, writes=1)
    if kind == "disk":
        assert len(list((tmp_path / "cache").glob("*.path"))) == 1
        cache.clear()
        assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("how", ["in place", "renamed over", "text"])
def test_a_changed_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content_digests: list[int],
                                      how: str) -> None:
    import time

    from wt_api import _cache_disk as cache_disk

    monkeypatch.setattr(cache_disk, "RACY_NS", 0)
    source = tmp_path / "add.wasm"
    source.write_bytes(wt_binary(WAT))
    cache = wt.CompilationCache.with_dir(tmp_path / "cache")
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        assert call_add(r, r.compile_file(source)) == 5
        assert call_add(r, r.compile_file(source)) == 5
        time.sleep(0.05)  # past a tick of the file system's clock
        if how == "in place":  # same inode, same size: only the times tell
            assert len(wt_binary(SUB)) == source.stat().st_size
            with open(source, "r+b") as f:
                f.write(wt_binary(SUB))
        elif how == "renamed over":
            other = tmp_path / "other.wasm"
            other.write_bytes(wt_binary(SUB))
            os.replace(other, source)
        else:
            source.write_text(SUB)
        assert call_add(r, r.compile_file(source)) == -1
        assert call_add(r, r.compile_file(source)) == -1  # remembered again
    assert len(content_digests) == (3 if how == "text" else 2)  # WAT: the text's key, then its binary's


def test_a_fresh_file_is_read_every_time(tmp_path: Path, content_digests: list[int]) -> None:
    """A file changed within RACY_NS of its last change could keep its times: not remembered."""
    source = tmp_path / "add.wat"
    source.write_text(WAT)
    cache = wt.CompilationCache.with_dir(tmp_path / "cache")
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        for _ in range(3):
            assert call_add(r, r.compile_file(source)) == 5
    assert content_digests.count(len(WAT.encode())) == 3  # the file's text, read each time
    assert not list((tmp_path / "cache").glob("*.path"))


def test_concurrent_writers_leave_one_valid_entry(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    procs = [subprocess.Popen([sys.executable, str(script), str(directory), WAT], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert len(entries(directory)) == 1
    assert not list(directory.glob(".*.tmp"))
    assert run_child(tmp_path, directory) == (1, 0, 0, 0)


def test_the_size_bound_evicts_the_least_recently_used(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    sources = [f'(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add'
               f' i32.const {i} drop))' for i in range(4)]
    probe = wt.CompilationCache.with_dir(tmp_path / "probe")
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(probe)) as r:
        r.compile_module(sources[0])
    size = entries(tmp_path / "probe")[0].stat().st_size
    cache = wt.CompilationCache.with_dir(directory, max_size=3 * size + size // 2)
    config = wt.RuntimeConfig().with_compilation_cache(cache)
    with wt.Runtime(config) as r:
        for source in sources[:3]:
            r.compile_module(source)
        times = {e: e.stat().st_mtime for e in entries(directory)}
        for e in entries(directory):  # make the order unambiguous, oldest first
            os.utime(e, (times[e] - 100, times[e] - 100))
        r.compile_module(sources[0])  # a hit: now the most recently used
        r.compile_module(sources[3])  # over the bound: evicts sources[1]
        assert len(entries(directory)) == 3 and cache.stats().evictions == 1
        before = cache.stats()
        r.compile_module(sources[0])
        r.compile_module(sources[1])
        assert cache.stats().hits == before.hits + 1 and cache.stats().misses == before.misses + 1


def test_memory_cache_size_bound() -> None:
    cache = wt.CompilationCache(max_size=1)
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r:
        add(r)
        add(r)
    assert cache.stats() == wt.CacheStats(misses=2)  # nothing fits: nothing kept


def test_a_directory_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(wt.ConfigError, match="cannot create|not a directory"):
        wt.CompilationCache.with_dir(blocker / "cache")
    with pytest.raises(wt.ConfigError, match="cannot create|not a directory"):
        wt.CompilationCache.with_dir(blocker)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_directory_others_may_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(wt.ConfigError, match="other users"):
        wt.CompilationCache.with_dir(shared)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_read_only_directory_is_a_clear_error(tmp_path: Path) -> None:
    if os.getuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(wt.ConfigError, match="not writable"):
                wt.CompilationCache.with_dir(locked)
        finally:
            locked.chmod(0o700)
        return
    # Root writes anywhere: check as an unprivileged user, in a forked child.
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="wt-ro-", dir="/tmp"))
    try:
        base.chmod(0o755)
        locked = base / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        read, write = os.pipe()
        import warnings

        with warnings.catch_warnings():  # 3.12+ warns about fork in a threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: drop to nobody, try, report, exit without cleanup
            os.close(read)
            try:
                os.setgid(65534)
                os.setuid(65534)
                try:
                    wt.CompilationCache.with_dir(locked)
                    message = "no error"
                except wt.ConfigError as exc:
                    message = str(exc)
            except BaseException as exc:  # noqa: BLE001
                message = f"child failed: {exc!r}"
            os.write(write, message.encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            message = pipe.read()
        os.waitpid(pid, 0)
        assert "not writable" in message, message
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


def test_a_failing_write_is_logged_and_compiling_goes_on(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "cache"
    cache = wt.CompilationCache.with_dir(directory)
    directory.rmdir()
    (tmp_path / "cache").write_text("the directory vanished")  # every write now fails
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as r, caplog.at_level("WARNING", "wt.cache"):
        assert add(r) == 5
        assert add(r) == 5
    assert cache.stats().errors == 2 and cache.stats().writes == 0
    assert len([rec for rec in caplog.records if "cannot write" in rec.getMessage()]) == 1


def test_a_closed_cache(tmp_path: Path) -> None:
    cache = wt.CompilationCache()
    r = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
    add(r)
    cache.close()
    assert cache.closed
    with pytest.raises(wt.ClosedError):
        r.compile_module(WAT)
    r.close()


def test_bad_arguments() -> None:
    with pytest.raises(wt.ConfigError):
        wt.CompilationCache(max_size=0)
    with pytest.raises(wt.ConfigError):
        wt.RuntimeConfig().with_compilation_cache("~/.cache")  # type: ignore[arg-type]
