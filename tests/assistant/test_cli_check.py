"""``escalation-assistant check``: output and exit codes, against local servers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from assistant.cli.main import main
from tests.checks.servers import LocalHTTPServer, closed_port


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


def test_all_ok_exits_0_with_a_table(
    http_server: LocalHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", f"{http_server.base}/ok", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["STATUS", "TYPE", "TARGET", "TIME", "SUMMARY"]
    assert "OK" in out and "answered 200 OK" in out


def test_json_output_and_exit_1_on_failure(
    http_server: LocalHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    port = http_server.server_address[1]
    code = main(
        [
            "check",
            "--json",
            f"{http_server.base}/ok",
            f"{http_server.base}/error",
            f"127.0.0.1:{port}",
        ]
    )
    assert code == 1
    results = json.loads(capsys.readouterr().out)
    assert [(r["type"], r["status"]) for r in results] == [
        ("http", "ok"),
        ("http", "fail"),
        ("tcp", "ok"),
    ]
    assert {"type", "target", "status", "summary", "duration_ms", "details"} <= set(results[0])


def test_explicit_type(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--type", "tcp", "--json", f"127.0.0.1:{closed_port()}"]) == 1
    [result] = json.loads(capsys.readouterr().out)
    assert result["type"] == "tcp" and "refused" in result["summary"]


@pytest.mark.parametrize("target", ["ftp://files.example/", "https://shop.example:99999/", " "])
def test_bad_targets_exit_2(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", target]) == 2
    assert "ERROR" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["check"], ["check", "x.example", "--timeout", "soon"], ["check", "--type", "ping", "x"]],
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_unknown_component_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--component", "fax", "shop.example"]) == 2
    assert "unknown component 'fax'" in capsys.readouterr().err


def test_component_checks_use_targets_as_customer_domain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Loopback only: nothing listens on 127.0.0.1:443 in the test environment.
    code = main(
        ["check", "--json", "--timeout", "2", "--component", "SSL certificates", "127.0.0.1"]
    )
    results = json.loads(capsys.readouterr().out)
    assert [(r["type"], r["target"]) for r in results] == [
        ("tls", "127.0.0.1:443"),
        ("http", "https://127.0.0.1/"),
    ]
    assert code in (1, 2)


def test_python_dash_m_assistant_check(http_server: LocalHTTPServer) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", "check", "--json", f"{http_server.base}/health/pass"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert result["type"] == "http" and result["status"] == "ok"
