"""A C program compiled to wasm32-wasi, run through the API and through `wt-wasm run`."""

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import wt_api as wt
from wt_wasi import WASIConfig

pytestmark = pytest.mark.wasi_toolchain


def run_api(program: Path, *args: str, config: wt.ModuleConfig | None = None,
            wasi: WASIConfig | None = None) -> tuple[int, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    config = (config or wt.ModuleConfig()).with_args("wasi_tool", *args).with_stdout(out).with_stderr(err)
    code = 0
    with wt.Runtime(wt.RuntimeConfig().with_wasi(wasi or WASIConfig())) as r:
        with r.instantiate_with_wasi(r.compile_module(program.read_bytes()), config) as mod:
            start = mod.exported_function("_start")
            assert start is not None
            try:
                start.call()
            except wt.ExitError as exc:
                code = exc.exit_code
    return code, out.getvalue(), err.getvalue()


def run_cli(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wt_wasi", "run", *argv], input=stdin, capture_output=True,
                          timeout=120, env=os.environ)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "input.txt").write_text("hello files\n")
    (tmp_path / "secret.txt").write_text("secret")
    return data


def test_args_env_and_stderr(wasi_tool: Path) -> None:
    code, out, err = run_api(wasi_tool, "args", "x y", "ünï", config=wt.ModuleConfig().with_env("KEY", "value"))
    assert code == 0
    assert out.decode() == "argv[0]=wasi_tool\nargv[1]=args\nargv[2]=x y\nargv[3]=ünï\nKEY=value\n"
    assert err == b"to stderr\n"
    cli = run_cli("--env", "KEY=cli", str(wasi_tool), "args", "a")
    assert cli.returncode == 0
    assert cli.stdout.decode().splitlines() == ["argv[0]=" + wasi_tool.name, "argv[1]=args", "argv[2]=a", "KEY=cli"]
    assert cli.stderr == b"to stderr\n"


def test_inherited_environment(wasi_tool: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEY", "from-host")
    assert b"KEY=from-host" in run_api(wasi_tool, "args", wasi=WASIConfig().with_inherit_env())[1]
    assert b"KEY=(unset)" in run_api(wasi_tool, "args")[1]
    assert b"KEY=from-host" in run_cli("--inherit-env", str(wasi_tool), "args").stdout
    assert b"KEY=(unset)" in run_cli(str(wasi_tool), "args").stdout


def test_stdin_to_stdout(wasi_tool: Path, tmp_path: Path) -> None:
    payload = bytes(range(97, 123)) * 1000
    code, out, err = run_api(wasi_tool, "echo", config=wt.ModuleConfig().with_stdin(payload))
    assert (code, out, err) == (0, payload.upper(), b"echoed\n")
    source = tmp_path / "in.bin"
    source.write_bytes(b"from a file")
    with open(source, "rb") as f:
        assert run_api(wasi_tool, "echo", config=wt.ModuleConfig().with_stdin(f))[1] == b"FROM A FILE"
    cli = run_cli(str(wasi_tool), "echo", stdin=b"piped in")
    assert cli.returncode == 0 and cli.stdout == b"PIPED IN"


def test_files_in_a_preopened_directory(wasi_tool: Path, data_dir: Path) -> None:
    code, out, _ = run_api(wasi_tool, "files", config=wt.ModuleConfig().with_preopen_dir(data_dir, "/data"))
    assert code == 42
    assert (data_dir / "output.txt").read_text() == "HELLO FILES\n"
    assert sorted(p.name for p in data_dir.iterdir()) == ["input.txt", "output.txt"]
    assert b"entries 2" in out
    (data_dir / "output.txt").unlink()
    cli = run_cli("--dir", f"{data_dir}::/data", str(wasi_tool), "files")
    assert cli.returncode == 42, cli.stderr
    assert (data_dir / "output.txt").read_text() == "HELLO FILES\n"


def test_read_only_preopen(wasi_tool: Path, data_dir: Path) -> None:
    before = sorted(data_dir.iterdir())
    code, out, _ = run_api(wasi_tool, "readonly",
                           config=wt.ModuleConfig().with_preopen_dir(data_dir, "/ro", read_only=True))
    assert (code, out) == (0, b"write refused 6 of 6\nread hello files\n")
    assert sorted(data_dir.iterdir()) == before
    assert (data_dir / "input.txt").read_text() == "hello files\n"
    cli = run_cli("--dir-ro", f"{data_dir}::/ro", str(wasi_tool), "readonly")
    assert (cli.returncode, cli.stdout) == (0, out)
    assert sorted(data_dir.iterdir()) == before
    assert (data_dir / "input.txt").read_text() == "hello files\n"


def test_nothing_outside_the_preopens_is_reachable(wasi_tool: Path, data_dir: Path) -> None:
    (data_dir / "link").symlink_to(data_dir.parent / "secret.txt")  # a way out, planted on the host
    code, out, _ = run_api(wasi_tool, "escape", config=wt.ModuleConfig().with_preopen_dir(data_dir, "/data"))
    assert code == 0
    assert out.count(b"blocked") == 5 and b"OPENED" not in out
    cli = run_cli("--dir", f"{data_dir}::/data", str(wasi_tool), "escape")
    assert cli.stdout == out


def test_clocks_and_random(wasi_tool: Path) -> None:
    out = run_api(wasi_tool, "clock")[1]
    assert out == b"realtime ok\nrandom ok\n"
    assert run_cli(str(wasi_tool), "clock").stdout == out


@pytest.mark.parametrize("code", [0, 1, 42])
def test_exit_codes(wasi_tool: Path, code: int) -> None:
    assert run_api(wasi_tool, "exit", str(code))[0] == code
    assert run_cli(str(wasi_tool), "exit", str(code)).returncode == code


def test_stdout_and_stderr_receive_the_bytes_exactly_and_in_order(wasi_tool: Path) -> None:
    events: list[tuple[str, bytes]] = []
    config = (wt.ModuleConfig().with_args("wasi_tool", "bytes")
              .with_stdout(lambda data: events.append(("out", data)))
              .with_stderr(lambda data: events.append(("err", data))))
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(wasi_tool.read_bytes()), config) as mod:
            mod.exported_function("_start").call()  # type: ignore[union-attr]
    merged: list[tuple[str, bytes]] = []
    for stream, data in events:  # a chunk may arrive in pieces; the order may not change
        if merged and merged[-1][0] == stream:
            merged[-1] = (stream, merged[-1][1] + data)
        else:
            merged.append((stream, data))
    expected = [item for n in range(8) for item in (("out", bytes(range(256))), ("err", b"E" + bytes([n])))]
    assert merged == expected
    cli = run_cli(str(wasi_tool), "bytes")
    assert cli.returncode == 0
    assert cli.stdout == bytes(range(256)) * 8
    assert cli.stderr == b"".join(b"E" + bytes([n]) for n in range(8))


def test_a_raising_writer_fails_the_guest_write(wasi_tool: Path) -> None:
    def full(data: bytes) -> None:
        raise OSError(28, "No space left on device")

    err = io.BytesIO()
    config = wt.ModuleConfig().with_args("wasi_tool", "failwrite").with_stdout(full).with_stderr(err)
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(wasi_tool.read_bytes()), config) as mod:
            with pytest.raises(OSError, match="No space left") as info:
                mod.exported_function("_start").call()  # type: ignore[union-attr]
    # The guest saw the failure and exited with 3; the writer's exception comes first.
    assert isinstance(info.value.__context__, wt.ExitError) and info.value.__context__.exit_code == 3
    assert err.getvalue() == b"write failed\n"


def test_a_trap_in_a_c_program(wasi_tool: Path) -> None:
    out = io.BytesIO()
    config = wt.ModuleConfig().with_args("wasi_tool", "trap").with_stdout(out)
    with wt.Runtime() as r:
        with r.instantiate_with_wasi(r.compile_module(wasi_tool.read_bytes()), config) as mod:
            with pytest.raises(wt.Trap) as info:
                mod.exported_function("_start").call()  # type: ignore[union-attr]
    assert info.value.code is wt.TrapCode.UNREACHABLE_CODE_REACHED
    assert out.getvalue() == b"before the trap\n"
    cli = run_cli(str(wasi_tool), "trap")
    assert cli.returncode == 134  # as wasmtime run: an abort
    assert cli.stdout == b"before the trap\n" and b"trapped" in cli.stderr


def test_two_instances_in_two_threads_see_only_their_own(wasi_tool: Path, tmp_path: Path) -> None:
    dirs = []
    for name in ("one", "two"):
        d = tmp_path / name
        d.mkdir()
        (d / "input.txt").write_text(f"content of {name}\n")
        dirs.append(d)
    results: dict[str, tuple[int, bytes, bytes, bytes]] = {}
    barrier = threading.Barrier(2, timeout=60)
    with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig())) as r:
        compiled = r.compile_module(wasi_tool.read_bytes())

        def run(name: str, directory: Path) -> None:
            out, err = io.BytesIO(), io.BytesIO()
            config = (wt.ModuleConfig().with_args("wasi_tool", "files").with_env("KEY", name)
                      .with_stdout(out).with_stderr(err).with_preopen_dir(directory, "/data"))
            with r.instantiate_with_wasi(compiled, config) as mod:
                barrier.wait()
                try:
                    mod.exported_function("_start").call()  # type: ignore[union-attr]
                    code = 0
                except wt.ExitError as exc:
                    code = exc.exit_code
            args_out = io.BytesIO()
            config = wt.ModuleConfig().with_args("wasi_tool", "args", name).with_env("KEY", name).with_stdout(args_out)
            with r.instantiate_with_wasi(compiled, config) as mod:
                barrier.wait()
                mod.exported_function("_start").call()  # type: ignore[union-attr]
            echo_out = io.BytesIO()
            config = wt.ModuleConfig().with_args("wasi_tool", "echo").with_stdin(name.encode() * 10000).with_stdout(echo_out)
            with r.instantiate_with_wasi(compiled, config) as mod:
                barrier.wait()
                mod.exported_function("_start").call()  # type: ignore[union-attr]
            results[name] = (code, out.getvalue(), args_out.getvalue(), echo_out.getvalue())

        threads = [threading.Thread(target=run, args=(n, d)) for n, d in zip(("one", "two"), dirs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for name, directory in zip(("one", "two"), dirs):
        code, _, args_out, echo_out = results[name]
        assert code == 42
        assert (directory / "output.txt").read_text() == f"CONTENT OF {name.upper()}\n"
        assert sorted(p.name for p in directory.iterdir()) == ["input.txt", "output.txt"]
        assert f"argv[2]={name}\nKEY={name}\n".encode() in args_out
        assert echo_out == name.upper().encode() * 10000
