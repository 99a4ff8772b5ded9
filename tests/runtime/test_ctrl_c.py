"""Ctrl-C (SIGINT) stops wasm running on the main thread with KeyboardInterrupt in a runtime
with epoch interruption, and the runtime then runs the next call normally. In a runtime
without (wasmtime's default), wasm that calls host functions stops in one of them, and wasm
that does not runs to its end, then the call raises KeyboardInterrupt. Each case runs in a
child process."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SCRIPT = textwrap.dedent('''
    import os, signal, sys, threading, time
    import wt_api as wt

    case = sys.argv[1]
    if case == "tty":  # a session leader (start_new_session) takes its terminal
        import fcntl, termios
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    interruptible = sys.argv[2] == "interruptible"
    config = wt.RuntimeConfig().with_epoch_interruption(interruptible)
    r = wt.Runtime(config)
    host = r.new_host_module_builder("env")
    host.new_function_builder("tick", [wt.ValueType.I32], [wt.ValueType.I32]).with_typed_func(lambda x: x).export()
    host.instantiate()
    mod = r.instantiate(r.compile_module("""(module
      (import "env" "tick" (func $t (param i32) (result i32)))
      (func (export "loop") (loop $l br $l))
      (func (export "hostloop") (loop $l (drop (call $t (i32.const 1))) br $l))
      (func (export "spin") (param $n i64) (loop $l (local.tee $n (i64.sub (local.get $n) (i64.const 1)))
        i64.const 0 i64.ne br_if $l))
      (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"""))
    run = mod.exported_function({"host": "hostloop", "finite": "spin"}.get(case, "loop"))
    if case == "finite":  # as many iterations as this machine runs in ~1.5 s (a fixed count ended too soon on fast ones)
        begun = time.monotonic()
        run.call(50_000_000)
        spins = int(50_000_000 * 1.5 / max(time.monotonic() - begun, 1e-3))
    if case != "tty":
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    print("ready", flush=True)
    start = time.monotonic()
    try:
        if case == "timed":
            run.call_with_timeout(60)
        elif case == "finite":  # ~1.5 s of wasm that never calls out
            run.call(spins)
            print(f"returned after {time.monotonic() - start:.2f}", flush=True)
        else:
            run.call()
        print("not interrupted", flush=True)
    except KeyboardInterrupt:
        print(f"KeyboardInterrupt after {time.monotonic() - start:.2f}", flush=True)
    print("next call", mod.exported_function("add").call(2, 3), flush=True)
    r.close()
    print("default handler back", signal.getsignal(signal.SIGINT) is signal.default_int_handler, flush=True)
''')


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "ctrl_c.py"
    path.write_text(SCRIPT)
    return path


def check(output: str) -> None:
    lines = output.splitlines()
    assert "ready" in lines, output
    stopped = [line for line in lines if line.startswith("KeyboardInterrupt after")]
    assert stopped, output
    assert float(stopped[0].split()[-1]) < 30
    assert "next call [5]" in lines, output
    assert "default handler back True" in lines, output


@pytest.mark.parametrize("case", ["loop", "host", "timed"])
def test_sigint_interrupts_a_wasm_call_on_the_main_thread(script: Path, case: str) -> None:
    proc = subprocess.run([sys.executable, str(script), case, "interruptible"], capture_output=True, text=True,
                          timeout=60, env=child_env())
    assert proc.returncode == 0, proc.stderr
    check(proc.stdout)
    assert "Exception ignored" not in proc.stderr, proc.stderr


def test_without_epochs_wasm_that_calls_the_host_stops_in_a_host_function(script: Path) -> None:
    """The SIGINT lands in the host function's Python code (or, deferred, in the next one)."""
    proc = subprocess.run([sys.executable, str(script), "host", "default"], capture_output=True, text=True,
                          timeout=60, env=child_env())
    assert proc.returncode == 0, proc.stderr
    check(proc.stdout)
    assert "Exception ignored" not in proc.stderr, proc.stderr


def test_without_epochs_the_interrupt_comes_when_the_call_returns(script: Path) -> None:
    """Compiled code without epoch checks cannot be stopped: the call runs to its end (as in
    wasmtime-py, or any C extension), then KeyboardInterrupt is raised, and nothing leaks."""
    proc = subprocess.run([sys.executable, str(script), "finite", "default"], capture_output=True, text=True,
                          timeout=120, env=child_env())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not any(line.startswith("returned after") for line in lines), proc.stdout  # the interrupt came
    stopped = [line for line in lines if line.startswith("KeyboardInterrupt after")]
    assert stopped and float(stopped[0].split()[-1]) >= 0.3, proc.stdout
    assert "next call [5]" in lines and "default handler back True" in lines, proc.stdout
    assert "Exception ignored" not in proc.stderr, proc.stderr


def test_ctrl_c_typed_at_a_terminal(script: Path) -> None:
    """The terminal's own ^C: the line discipline sends SIGINT to the foreground group."""
    import pty

    master, slave = pty.openpty()
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = subprocess.Popen([sys.executable, str(script), "tty", "interruptible"], stdin=slave, stdout=slave,
                                stderr=slave, start_new_session=True, env=child_env())
        os.close(slave)
        slave = -1
        output = b""
        deadline = time.monotonic() + 60
        sent = False
        while time.monotonic() < deadline:
            if not select.select([master], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break  # nothing more within the deadline: the checks below say what is missing
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            if not sent and b"ready" in output:
                time.sleep(0.3)  # let the call enter wasm
                os.write(master, b"\x03")
                sent = True
        proc.wait(timeout=60)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()  # never leave a spinning child behind
            proc.wait()
        os.close(master)
        if slave != -1:
            os.close(slave)
    text = output.decode(errors="replace").replace("\r\n", "\n").replace("^C", "")
    assert proc.returncode == 0, text
    check(text)


def test_a_handler_of_the_users_own_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "own.py"
    path.write_text(textwrap.dedent('''
        import signal
        import wt_api as wt
        def mine(signum, frame):
            pass
        signal.signal(signal.SIGINT, mine)
        with wt.Runtime() as r:
            assert signal.getsignal(signal.SIGINT) is mine
        assert signal.getsignal(signal.SIGINT) is mine
        print("ok")
    '''))
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, env=child_env())
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_sigint_outside_wasm_is_an_ordinary_keyboard_interrupt(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text(textwrap.dedent('''
        import os, signal, time
        import wt_api as wt
        with wt.Runtime() as r:
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
                print("not interrupted")
            except KeyboardInterrupt:
                print("KeyboardInterrupt")
    '''))
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, env=child_env())
    assert proc.returncode == 0 and proc.stdout.strip() == "KeyboardInterrupt", proc.stderr


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 3.12+: fork with threads alive
def test_a_forked_child_gets_its_own_timer_and_watcher(tmp_path: Path) -> None:
    path = tmp_path / "fork.py"
    path.write_text(textwrap.dedent('''
        import os, signal, sys, threading, time, warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        import wt_api as wt
        r = wt.Runtime(wt.RuntimeConfig().with_epoch_interruption())
        mod = r.instantiate(r.compile_module('(module (func (export "loop") (loop $l br $l)))'))
        loop = mod.exported_function("loop")
        try:
            loop.call_with_timeout(0.05)  # the parent's timer thread runs
        except wt.WasmTimeoutError:
            pass
        pid = os.fork()
        if pid == 0:
            signal.alarm(30)  # a hung child must not outlive the test
            code = 1
            try:
                loop.call_with_timeout(0.05)
            except wt.WasmTimeoutError:
                threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
                try:
                    loop.call()
                except KeyboardInterrupt:
                    code = 0
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        r.close()
    '''))
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60, env=child_env())
    assert proc.returncode == 0 and proc.stdout.strip() == "child 0", (proc.stdout, proc.stderr)
