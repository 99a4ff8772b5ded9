import io
import threading
from pathlib import Path

import pytest

import wt_api as wt
from wt_wasi import WASIConfig

HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, wasi\\n")
  (data (i32.const 32) "oops\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 32)) (i32.store (i32.const 4) (i32.const 5))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""

EXIT = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (param) (call $exit (i32.const 0)))
  (func (export "fail") (call $exit (i32.const 3))))
"""


def test_hello_into_python_writers() -> None:
    out, err = io.BytesIO(), []
    config = wt.RuntimeConfig().with_wasi(WASIConfig().with_stdout(out).with_stderr(err.append))
    with wt.Runtime(config) as r:
        with r.instantiate_with_wasi(r.compile_module(HELLO)) as mod:
            start = mod.exported_function("_start")
            assert start is not None and start.call() == []
    assert out.getvalue() == b"hello, wasi\n"
    assert err == [b"oops\n"]


def test_module_config_overrides_runtime_stdio(tmp_path: Path) -> None:
    runtime_out, mine = io.BytesIO(), io.BytesIO()
    with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_stdout(runtime_out))) as r:
        compiled = r.compile_module(HELLO)
        with r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_stdout(mine)) as mod:
            mod.exported_function("_start").call()  # type: ignore[union-attr]
        with open(tmp_path / "out.bin", "wb") as f:
            with r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_stdout(f)) as mod:
                mod.exported_function("_start").call()  # type: ignore[union-attr]
    assert mine.getvalue() == b"hello, wasi\n" and runtime_out.getvalue() == b""
    assert (tmp_path / "out.bin").read_bytes() == b"hello, wasi\n"


def test_exit_codes() -> None:
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(EXIT)) as mod:
            assert mod.exported_function("_start").call() == []  # type: ignore[union-attr]
            with pytest.raises(wt.ExitError) as info:
                mod.exported_function("fail").call()  # type: ignore[union-attr]
            assert info.value.exit_code == 3


def test_wasi_import_without_wasi_says_how_to_fix() -> None:
    with wt.Runtime() as r:
        with pytest.raises(wt.LinkError, match="instantiate_with_wasi"):
            r.instantiate(r.compile_module(HELLO))


def test_unknown_wasi_import() -> None:
    with wt.Runtime() as r:
        compiled = r.compile_module('(module (import "wasi_snapshot_preview1" "no_such_call" (func)))')
        with pytest.raises(wt.LinkError, match="unknown WASI import"):
            r.instantiate_with_wasi(compiled)
        old = r.compile_module('(module (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32))))')
        with pytest.raises(wt.LinkError, match="preview 1 .* only, not the older wasi_unstable"):
            r.instantiate_with_wasi(old)
        with pytest.raises(wt.LinkError, match="instantiate_with_wasi"):
            r.instantiate(old)


def test_missing_host_directory(tmp_path: Path) -> None:
    with pytest.raises(wt.ConfigError, match="does not exist"):
        WASIConfig().with_preopen_dir(tmp_path / "nope", "/data")
    with pytest.raises(wt.ConfigError, match="does not exist"):
        wt.ModuleConfig().with_preopen_dir(tmp_path / "nope", "/data")


def test_builders_never_mutate() -> None:
    base = WASIConfig().with_env("A", "1")
    derived = base.with_env("B", "2").with_args("p", "x").with_inherit_stdio()
    assert base.env == (("A", "1"),) and base.args == () and not base.inherit_stdout
    assert derived.env == (("A", "1"), ("B", "2"))
    assert base.with_env("A", "9").env == (("A", "9"),)
    with pytest.raises(wt.ConfigError):
        wt.RuntimeConfig().with_wasi("not a config")
    with pytest.raises(wt.ConfigError):
        WASIConfig().with_stdout(42)
    with pytest.raises(wt.ConfigError):
        WASIConfig().with_env("A=B", "x")


WRITE_STATUS = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, wasi\\n")
  (global $errno (mut i32) (i32.const -1))
  (func $write
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 12))
    (global.set $errno (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (call $write))
  (func (export "errno") (result i32) (global.get $errno)))
"""


def test_a_raising_writer_fails_the_guest_write_and_comes_out_of_call() -> None:
    received: list[bytes] = []
    failures = [RuntimeError("disk full")]

    def flaky(data: bytes) -> None:
        if failures:
            raise failures.pop()
        received.append(data)

    with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_stdout(flaky))) as r:
        with r.instantiate_with_wasi(r.compile_module(WRITE_STATUS)) as mod:
            start, errno = mod.exported_function("_start"), mod.exported_function("errno")
            assert start is not None and errno is not None
            with pytest.raises(RuntimeError, match="disk full") as info:
                start.call()
            assert info.traceback[-1].name == "flaky"  # raised as itself, with its traceback
            assert errno.call() != [0]  # the guest saw its write fail
            # wasmtime closes a stream whose write failed, as a broken pipe: later guest
            # writes fail without reaching the writer, and raise nothing more in Python.
            assert start.call() == [] and errno.call() not in ([0], [-1])
    assert received == []
    with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_stdout(flaky))) as r:
        with r.instantiate_with_wasi(r.compile_module(WRITE_STATUS)) as mod:  # a new instance, a new stream
            assert mod.exported_function("_start").call() == []  # type: ignore[union-attr]
            assert mod.exported_function("errno").call() == [0]  # type: ignore[union-attr]
    assert received == [b"hello, wasi\n"]


def test_keyboard_interrupt_in_a_writer_is_not_swallowed() -> None:
    def interrupted(data: bytes) -> None:
        raise KeyboardInterrupt

    with wt.Runtime() as r:
        config = wt.ModuleConfig().with_stdout(interrupted)
        with r.instantiate_with_wasi(r.compile_module(WRITE_STATUS), config) as mod:
            with pytest.raises(KeyboardInterrupt):
                mod.exported_function("_start").call()  # type: ignore[union-attr]


def test_a_writer_raising_in_the_start_function_fails_instantiation() -> None:
    module = WRITE_STATUS.replace('(func (export "_start") (call $write))', "(start $write)")

    def broken(data: bytes) -> None:
        raise OSError("no space left")

    with wt.Runtime() as r:
        compiled = r.compile_module(module)
        with pytest.raises(OSError, match="no space left"):
            r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_stdout(broken))
        out = io.BytesIO()
        with r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_stdout(out)):
            pass
    assert out.getvalue() == b"hello, wasi\n"


def test_text_streams() -> None:
    for make in (wt.ModuleConfig().with_stdout, WASIConfig().with_stderr):
        with pytest.raises(wt.ConfigError, match="text stream"):
            make(io.StringIO())  # type: ignore[operator]
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8")
    text.write("python first\n")  # still in the text layer when the guest writes
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(HELLO), wt.ModuleConfig().with_stdout(text)) as mod:
            mod.exported_function("_start").call()  # type: ignore[union-attr]
    text.flush()
    assert raw.getvalue() == b"python first\nhello, wasi\n"


class _Trickle(io.RawIOBase):
    """An unbuffered writer that takes at most 5 bytes per write, as a pipe may."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: object) -> int:
        chunk = bytes(b[:5])  # type: ignore[index]
        self.data += chunk
        return len(chunk)


def test_partial_raw_writes_are_completed() -> None:
    trickle = _Trickle()
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(HELLO), wt.ModuleConfig().with_stdout(trickle)) as mod:
            mod.exported_function("_start").call()  # type: ignore[union-attr]
    assert bytes(trickle.data) == b"hello, wasi\n"


def test_stdin_sources(tmp_path: Path) -> None:
    with pytest.raises(wt.ConfigError, match="text stream"):
        wt.ModuleConfig().with_stdin(io.StringIO("text"))
    with pytest.raises(wt.ConfigError, match="stdin takes bytes"):
        WASIConfig().with_stdin(42)
    path = tmp_path / "in.bin"
    path.write_bytes(b"\x00\xffbinary")
    with open(path, encoding="latin-1") as text:  # a text file: its bytes underneath are read
        assert _cat(wt.ModuleConfig().with_stdin(text)) == b"\x00\xffbinary"
    assert _cat(wt.ModuleConfig().with_stdin(str(path))) == b"\x00\xffbinary"
    assert _cat(wt.ModuleConfig().with_stdin(bytearray(b"mutable"))) == b"mutable"


CAT = """
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (block $eof (loop $more
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 4096))
      (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $eof (i32.eqz (i32.load (i32.const 8))))
      (i32.store (i32.const 4) (i32.load (i32.const 8)))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $more)))))
"""


def _cat(config: wt.ModuleConfig) -> bytes:
    out = io.BytesIO()
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(CAT), config.with_stdout(out)) as mod:
            mod.exported_function("_start").call()  # type: ignore[union-attr]
    return out.getvalue()


def test_a_trap_in_a_wasi_program_is_a_trap() -> None:
    module = HELLO.replace("(i32.const 8)))))", "(i32.const 8))) unreachable))")
    out = io.BytesIO()
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(module), wt.ModuleConfig().with_stdout(out)) as mod:
            with pytest.raises(wt.Trap) as info:
                mod.exported_function("_start").call()  # type: ignore[union-attr]
    assert info.value.code is wt.TrapCode.UNREACHABLE_CODE_REACHED
    assert out.getvalue() == b"hello, wasi\n"


def test_named_wasi_instances_share_the_link_store_context_explicitly() -> None:
    first, later = io.BytesIO(), io.BytesIO()
    with wt.Runtime() as r:
        compiled = r.compile_module(HELLO)
        a = r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_name("a").with_stdout(first))
        a.exported_function("_start").call()  # type: ignore[union-attr]
        # The link store holds one WASI context: a second named instance cannot have its own.
        with pytest.raises(wt.ConfigError, match="already set"):
            r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_name("b").with_stdout(later))
        with r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_name("b")) as b:
            b.exported_function("_start").call()  # type: ignore[union-attr]
        a.close()
        # Once every user is closed, the next one sets the context afresh.
        with r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_name("c").with_stdout(later)) as c:
            c.exported_function("_start").call()  # type: ignore[union-attr]
    assert first.getvalue() == b"hello, wasi\n" * 2
    assert later.getvalue() == b"hello, wasi\n"


def test_instances_do_not_share_stdio_in_parallel_threads() -> None:
    with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig())) as r:
        compiled = r.compile_module(HELLO)
        outputs = [io.BytesIO() for _ in range(4)]
        errors: list[BaseException] = []

        def run(out: io.BytesIO) -> None:
            try:
                for _ in range(50):
                    with r.instantiate_with_wasi(compiled, wt.ModuleConfig().with_stdout(out)) as mod:
                        mod.exported_function("_start").call()  # type: ignore[union-attr]
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(o,)) for o in outputs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    assert all(o.getvalue() == b"hello, wasi\n" * 50 for o in outputs)
