"""The command line of the app as shipped: checks, drafts, policy (no display needed)."""

from __future__ import annotations

import json
from pathlib import Path

from checks.registry import CHECK_TYPES
from tests.checks.servers import LocalHTTPServer, LocalTLSServer, TestCA
from tests.frozen.app import run_app
from ui.binding_check import KINDS

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "escalation.json"
POLICY = EXAMPLE.parents[1] / "policy.toml"


def test_self_test_passes_every_part() -> None:
    proc = run_app(
        "--self-test",
        env={"QT_QPA_PLATFORM": "offscreen", "ESCALATION_ASSISTANT_BINDING_EMITS": "100000"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The binding frozen into the bundle keeps reference counts (PySide6 6.12.0 did not).
    assert "OK    Qt binding: PySide6 " in proc.stdout
    kinds = len(KINDS)
    assert f"100,000 emits of each of {kinds} signal kinds keep the reference counts" in proc.stdout
    for plugin in CHECK_TYPES:
        assert f"OK    check {plugin.id}: " in proc.stdout
    assert "OK    main window: built and shown on offscreen" in proc.stdout
    # The bundle carries the native scanner and the Hyperscan library it links to.
    assert "OK    scrubbing: a token redacted (native Hyperscan scanner)" in proc.stdout


def test_version() -> None:
    proc = run_app("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("escalation-assistant ")


def test_every_network_check_type_against_loopback_servers(
    http_server: LocalHTTPServer, tls_servers: dict[str, LocalTLSServer], test_ca: TestCA
) -> None:
    base = http_server.base
    targets = {
        "http": f"{base}/ok",
        "tls": f"localhost:{tls_servers['valid'].port}",
        "tcp": f"127.0.0.1:{http_server.server_address[1]}",
        "statuspage": f"{base}/statuspage/allgood/",
        "health": f"{base}/health/pass",
    }
    # dns has no resolver option on the command line: the self-test above runs it against
    # its own loopback DNS server.
    assert set(targets) | {"dns"} == set(CHECK_TYPES.ids())
    for type_id, target in targets.items():
        # The test CA is trusted the way an agent's machine would trust a company CA.
        proc = run_app(
            "check",
            target,
            "--type",
            type_id,
            "--json",
            env={"SSL_CERT_FILE": str(test_ca.ca_file)},
        )
        assert proc.returncode == 0, (type_id, proc.stdout, proc.stderr)
        [result] = json.loads(proc.stdout)
        assert (result["type"], result["status"]) == (type_id, "ok"), result


def test_a_failing_check_exits_1_and_a_bad_target_2(http_server: LocalHTTPServer) -> None:
    proc = run_app("check", f"{http_server.base}/error", "--type", "http")
    assert proc.returncode == 1
    assert "500" in proc.stdout
    proc = run_app("check", "http://[::1", "--type", "http")
    assert proc.returncode == 2


def test_drafts_import_show_list() -> None:
    proc = run_app("drafts", "import", str(EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    new_id = proc.stdout.strip().split()[-1]
    listed = run_app("drafts", "list", "--json")
    assert listed.returncode == 0
    [row] = json.loads(listed.stdout)
    assert row["id"].startswith(new_id[:8])
    assert row["title"] == "Checkout returns HTTP 502 for all visitors since 06:55"
    assert row["priority"] == "P2"
    shown = run_app("drafts", "show", new_id[:8], "--markdown")
    assert shown.returncode == 0
    assert "Checkout returns HTTP 502" in shown.stdout
    assert run_app("drafts", "show", "ffffffff").returncode == 1


def test_policy_validate(tmp_path: Path) -> None:
    proc = run_app("policy", "validate", str(POLICY))
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(
        POLICY.read_text(encoding="utf-8").replace("cert_warn_days = 14", "cert_warn_days = 'x'")
    )
    proc = run_app("policy", "validate", str(bad))
    assert proc.returncode == 1
    assert "cert_warn_days" in proc.stdout + proc.stderr
