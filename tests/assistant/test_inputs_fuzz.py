"""Generated inputs for the parsers of outside data at the door (issue 21): policy files, IT's
site files, imported documents and command-line ids. The contract of each: a value or a
clear error, never a traceback; and IT's known locks always hold.

``make test`` runs a bounded number of examples (the ``ci`` profile), ``make fuzz`` many more.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assistant.cli.main import main
from assistant.errors import PolicyError
from assistant.policy.loader import parse_policy
from assistant.site import MANAGED, load_site

pytestmark = pytest.mark.fuzz

POLICY = resources.files("resources").joinpath("policy.toml").read_text(encoding="utf-8")
EXAMPLE = json.loads(
    resources.files("resources").joinpath("examples/escalation.json").read_text(encoding="utf-8")
)
# The examples share one data directory per test (hypothesis calls the test many times).
FIXTURES = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def run_main(*argv: str) -> tuple[int, str, str]:
    """The command line in this process; a traceback fails the example."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    return code, out.getvalue(), err.getvalue()


# -- policy files ----------------------------------------------------------------------

toml_scalars = st.one_of(
    st.integers(), st.booleans(), st.text(max_size=20), st.floats(allow_nan=False)
)


def _nested(depth: int, leaf: str) -> str:
    opener, closer = ("[", "]") if leaf == "array" else ("{ x = ", " }")
    return opener * depth + "1" + closer * depth


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    """The shipped policy, damaged: cut, a line replaced, junk or deep nesting added."""
    lines = POLICY.splitlines()
    how = draw(st.sampled_from(["cut", "replace", "insert", "deep", "junk"]))
    if how == "cut":
        return POLICY[: draw(st.integers(0, len(POLICY)))]
    if how == "junk":
        return draw(st.text(max_size=400))
    at = draw(st.integers(0, len(lines) - 1))
    if how == "deep":
        depth = draw(st.integers(1, 6000))
        kind = draw(st.sampled_from(["array", "table"]))
        lines.insert(at, f"deep_{at} = {_nested(depth, kind)}")
    else:
        key = draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
        value = draw(toml_scalars)
        line = f"{key} = {json.dumps(value)}"
        if how == "replace":
            lines[at] = line
        else:
            lines.insert(at, line)
    return "\n".join(lines)


@given(text=policy_texts())
def test_a_policy_file_is_a_policy_or_a_clear_error(text: str) -> None:
    try:
        policy = parse_policy(text, "ops.toml")
    except PolicyError as exc:
        assert str(exc).startswith("Policy file ops.toml is invalid:")
        assert exc.problems and all(msg for _key, msg in exc.problems)
    else:
        assert policy.components


@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_policy_are_a_policy_or_a_clear_error(data: bytes) -> None:
    with contextlib.suppress(PolicyError):
        parse_policy(data, "ops.toml")


# -- IT's site files -------------------------------------------------------------------

lock_names = st.one_of(st.sampled_from(sorted(MANAGED)), st.text(max_size=15), st.integers())
site_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "https://redmine.example.com",
            "https://u:p@ops.example.com/p.toml",
            "javascript:alert(1)",
            "ftp://x",
            "redmine",
            "jira-cloud",
        ]
    ),
    st.integers(-5, 10_000),
    st.lists(st.integers(), max_size=3),
)


def _toml_value(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


@st.composite
def site_files(draw: st.DrawFn) -> tuple[str, list[object], dict[str, Any]]:
    locked: list[object] = draw(st.lists(lock_names, max_size=6))
    values: dict[str, Any] = {}
    lines = [f"locked = [{', '.join(_toml_value(k) for k in locked)}]"]
    for section in ("policy", "tracker"):
        lines.append(f"[{section}]")
        names = [k.split(".", 1)[1] for k in MANAGED if k.startswith(section)] + ["colour"]
        for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=4)):
            value = draw(site_values)
            if value is None:
                continue
            values[f"{section}.{name}"] = value
            lines.append(f"{name} = {_toml_value(value)}")
    if draw(st.booleans()):  # a top-level key (not a setting) nested some levels deep
        lines.insert(1, f"deep = {_nested(draw(st.integers(1, 5000)), 'array')}")
    return "\n".join(lines) + "\n", locked, values


@FIXTURES
@given(site=site_files())
def test_a_site_file_is_read_or_refused_and_its_known_locks_hold(
    site: tuple[str, list[object], dict[str, Any]], tmp_path: Path
) -> None:
    text, locked, values = site
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    config = load_site(path)
    try:
        tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        assert "cannot be read" in config.problem
        return
    if "deep = " in text:
        too_deep = text.count("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[")  # 33 levels
        assert ("nested more than" if too_deep else "deep: not a setting") in config.problem
        if too_deep:
            return
    unknown = [k for k in locked if not (isinstance(k, str) and k in MANAGED)]
    if unknown:
        assert "cannot lock" in config.problem
    for key in MANAGED:
        if key in locked and key in values:
            assert config.is_locked(key), (key, config)
    # Never quoted back, never kept as an address (a project key is no address).
    assert "u:p@" not in config.problem
    for key in ("policy.source", "tracker.url"):
        assert "u:p@" not in str(config.values.get(key, ""))


# -- imported documents ------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def import_documents(draw: st.DrawFn) -> bytes:
    doc = json.loads(json.dumps(EXAMPLE))
    how = draw(st.sampled_from(["field", "drop", "deep", "raw", "version"]))
    if how == "raw":
        return draw(st.binary(max_size=200))
    if how == "deep":
        depth = draw(st.integers(1, 6000))
        return ('{"title": ' + "[" * depth + "]" * depth + "}").encode()
    key = draw(st.sampled_from(sorted(doc)))
    if how == "drop":
        del doc[key]
    elif how == "version":
        doc["schema_version"] = draw(st.integers(-3, 200))
    else:
        doc[key] = draw(json_values)
    return json.dumps(doc).encode()


@FIXTURES
@given(document=import_documents())
def test_an_import_is_a_draft_or_a_clear_error(document: bytes, tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(document)
    code, out, err = run_main("drafts", "import", str(path))
    assert code in (0, 2), err
    if code == 0:
        assert len(out.strip()) == 36
    else:
        assert err.startswith("error: ") and str(path) in err


# -- command-line ids --------------------------------------------------------------------

ids = st.one_of(
    st.text(max_size=80),
    st.builds(lambda t: "ESC-" + t, st.text(max_size=12)),
    st.binary(max_size=12).map(os.fsdecode),  # bytes from the shell, not all UTF-8
    st.text(min_size=65, max_size=300),
)


@FIXTURES
@given(typed=ids, command=st.sampled_from(["status", "reply", "told", "show", "delete"]))
def test_an_id_names_one_escalation_or_is_refused_clearly(typed: str, command: str) -> None:
    assume(not typed.startswith("-"))  # an option, not an id, for argparse
    argv = ("drafts", command, typed) if command in ("show", "delete") else (command, typed)
    code, _out, err = run_main(*argv)
    assert code in (1, 2), err  # the store is empty: no id names anything
    assert err.strip()
    if code == 1:
        assert "matches no escalation" in err
