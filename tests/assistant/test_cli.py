from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from assistant import __version__
from tests.assistant.cli_run import run

EXAMPLE = Path(str(resources.files("resources").joinpath("examples/escalation.json")))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out


def test_import_list_show_delete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "drafts", "import", str(EXAMPLE))
    assert code == 0, err
    new_id = out.strip()
    code, out, _ = run(capsys, "drafts", "list", "--json")
    rows = json.loads(out)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == new_id
    assert row["title"] == "Checkout returns HTTP 502 for all visitors since 06:55"
    assert row["customer"] == "Hartmann Bakeries GmbH"
    assert row["component"] == "managed-wordpress"
    assert row["priority"] == "P2"
    assert row["status"] == "draft"
    assert row["updated_at"].startswith("20")

    assert json.loads(run(capsys, "drafts", "list", "--json", "--search", "bakeries")[1])
    assert json.loads(run(capsys, "drafts", "list", "--json", "--search", "nomatch")[1]) == []
    assert json.loads(run(capsys, "drafts", "list", "--json", "--status", "ready")[1]) == []
    code, out, _ = run(capsys, "drafts", "list")
    assert code == 0 and "Hartmann" in out

    code, out, _ = run(capsys, "drafts", "show", new_id[:8], "--json")
    doc = json.loads(out)
    assert doc["id"] == new_id and doc["steps"][2] == "Click 'Zur Kasse' (checkout)"
    code, out, _ = run(capsys, "drafts", "show", new_id, "--markdown")
    assert code == 0 and "Checkout returns HTTP 502" in out

    code, out, _ = run(capsys, "drafts", "delete", new_id[:8])
    assert code == 0
    assert json.loads(run(capsys, "drafts", "list", "--json")[1]) == []


def test_import_twice_gives_two_drafts(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "drafts", "import", str(EXAMPLE))[1].strip()
    second = run(capsys, "drafts", "import", str(EXAMPLE))[1].strip()
    assert first != second
    assert len(json.loads(run(capsys, "drafts", "list", "--json")[1])) == 2


def test_import_rederives_priority(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    doc["priority"] = {"id": "P1", "name": "Critical", "reason": "typed by hand"}
    f = tmp_path / "e.json"
    f.write_text(json.dumps(doc))
    new_id = run(capsys, "drafts", "import", str(f))[1].strip()
    shown = json.loads(run(capsys, "drafts", "show", new_id, "--json")[1])
    assert shown["priority"]["id"] == "P2"  # high impact × medium urgency, from the matrix


def test_import_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    code, _, err = run(capsys, "drafts", "import", str(bad_json))
    assert code == 2 and "not a valid escalation" in err

    doc = json.loads(EXAMPLE.read_text())
    doc["impact"]["users_affected"] = -3
    doc["urgency"] = "whenever"
    bad_fields = tmp_path / "fields.json"
    bad_fields.write_text(json.dumps(doc))
    code, _, err = run(capsys, "drafts", "import", str(bad_fields))
    assert code == 2
    assert "impact.users_affected" in err and "urgency" in err

    code, _, err = run(capsys, "drafts", "import", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json cannot be read: it does not exist" in err
    assert json.loads(run(capsys, "drafts", "list", "--json")[1]) == []


def test_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "drafts", "show", "deadbeef")
    assert code == 1 and "matches no escalation" in err


def test_bad_status_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "drafts", "list", "--status", "bogus")
    assert code == 2 and "invalid choice" in err


def test_policy_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = Path(str(resources.files("resources").joinpath("policy.toml")))
    code, out, _ = run(capsys, "policy", "validate", str(good))
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace('low = "P4"', 'low = "P7"', 1))
    code, _, err = run(capsys, "policy", "validate", str(bad))
    assert code == 1 and str(bad) in err and "matrix.medium.low" in err


def test_data_dir_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    run(capsys, "--data-dir", str(other), "drafts", "import", str(EXAMPLE))
    assert (other / "escalations.sqlite3").exists()
    assert json.loads(run(capsys, "drafts", "list", "--json")[1]) == []


def test_core_self_test_and_module_entry_point(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "OK    store: migrated" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("self-test ok (")
    assert "main window" not in proc.stdout  # the core's own check needs no Qt


def test_no_command_without_a_gui_says_how_to_start_the_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys)
    assert code == 2
    assert "escalation-assistant" in err and "python -m ui" in err
