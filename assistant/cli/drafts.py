"""``drafts list|show|import|delete``."""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assistant.cli.arguments import escalation_id, search_text
from assistant.cli.common import EXIT_USAGE, BadId, fail, open_store, resolve_id, unchangeable
from assistant.errors import AssistantError
from assistant.model import Escalation, Status

if TYPE_CHECKING:
    from assistant.trackers.fields import FieldValue


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drafts", help="list, show, import and delete escalations")
    dsub = p.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)

    ls = dsub.add_parser("list", help="list escalations, newest change first")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.add_argument("--status", choices=[s.value for s in Status])
    ls.add_argument("--search", metavar="TEXT", type=search_text)
    ls.set_defaults(func=cmd_list)

    show = dsub.add_parser("show", help="show one escalation")
    show.add_argument(
        "id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX is enough)"
    )
    fmt = show.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="the stored document as JSON")
    fmt.add_argument("--markdown", action="store_true", help="the ticket as Markdown")
    show.set_defaults(func=cmd_show)

    imp = dsub.add_parser("import", help="import a JSON document as a new draft")
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=cmd_import)

    att = dsub.add_parser(
        "attach", help="add files to a draft, scrubbed of secrets; prints what was redacted"
    )
    att.add_argument("id", type=escalation_id, help="escalation id (a unique prefix is enough)")
    att.add_argument("files", nargs="+", type=Path, metavar="FILE")
    att.set_defaults(func=cmd_attach)

    sf = dsub.add_parser(
        "set-field",
        help="fill in a field the tracker itself requires (see `tracker fields`)",
    )
    sf.add_argument("id", type=escalation_id, help="escalation id (a unique prefix is enough)")
    sf.add_argument("field", help="the tracker's name of the field (or its id)")
    sf.add_argument(
        "values",
        nargs="*",
        metavar="VALUE",
        help="the value; a choice by its label or id; several for a multi-choice field",
    )
    sf.add_argument("--clear", action="store_true", help="remove the value")
    sf.set_defaults(func=cmd_set_field)

    rm = dsub.add_parser("delete", help="delete an escalation (undo from the app)")
    rm.add_argument(
        "id", type=escalation_id, help="escalation id (a unique prefix or ESC-XXXXXXXX is enough)"
    )
    rm.set_defaults(func=cmd_delete)


def cmd_list(args: argparse.Namespace) -> int:
    try:
        rows = open_store(args).list(search=args.search, status=args.status)
    except AssistantError as exc:
        return fail(str(exc))
    if args.json:
        json.dump([r.as_json() for r in rows], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    if not rows:
        print("No escalations.")
        return 0
    print(f"{'ID':8}  {'STATUS':15}  {'PRIO':4}  {'UPDATED':16}  {'CUSTOMER':20}  TITLE")
    for r in rows:
        print(
            f"{r.id[:8]}  {r.status:15}  {r.priority or '-':4}  "
            f"{r.updated_at[:16].replace('T', ' '):16}  {r.customer[:20]:20}  {r.title}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        store = open_store(args)
        esc = store.get(resolve_id(store, args.id))
    except BadId as exc:
        return fail(str(exc), EXIT_USAGE)
    except AssistantError as exc:
        return fail(str(exc))
    if args.json:
        print(esc.model_dump_json(indent=2))
        return 0
    from assistant.cli.outbox import load_agent
    from assistant.rendering import render

    text = render(esc, load_agent(args)[2], "markdown")
    if not args.markdown:
        print(f"{esc.short_id}  [{esc.status.value}]  {esc.id}")
    print(text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.inputs import MAX_IMPORT_BYTES, InputError, checked_input
    from assistant.local_files import UnusableFile, read_regular

    try:
        raw = read_regular(args.file, "an escalation document", MAX_IMPORT_BYTES)
    except UnusableFile as exc:
        return fail(str(exc), EXIT_USAGE)
    # A UTF-8 byte-order mark (Windows editors write one) is not part of the JSON.
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        esc = Escalation.model_validate_json(raw)
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
            for e in exc.errors()
        ]
        return fail(f"{args.file} is not a valid escalation:\n" + "\n".join(lines), EXIT_USAGE)
    from assistant.model import SCHEMA_VERSION

    if esc.schema_version > SCHEMA_VERSION:
        from assistant import __version__

        return fail(
            f"{args.file} was written by a newer version of the app (document schema"
            f" {esc.schema_version}; this is version {__version__}, which reads schema"
            f" {SCHEMA_VERSION} and older). Import it with that version or later; nothing"
            " was imported.",
            EXIT_USAGE,
        )
    try:
        _paths, settings, policy = load_agent(args)
        try:
            esc = checked_input(esc, policy, tracker_type=settings.tracker.type)
        except InputError as exc:
            lines = [f"  {problem}" for problem in exc.problems]
            return fail(f"{args.file} cannot be imported:\n" + "\n".join(lines), EXIT_USAGE)
        store = open_store(args)
        # A re-import of the same file must not clash with (or overwrite) the original.
        clash = True
        try:
            store.get(esc.id, include_deleted=True)
        except AssistantError:
            clash = False
        if clash:
            import uuid

            esc = esc.model_copy(update={"id": uuid.uuid4()})
        esc = esc.model_copy(
            update={"status": Status.DRAFT, "ticket": None, "policy": None, "policy_at_start": None}
        )
        # A priority in the file is not trusted: only the policy in force sets one.
        from assistant.policy.priority import apply_priority

        esc = store.create(apply_priority(policy, esc))
    except AssistantError as exc:
        return fail(str(exc))
    print(esc.id)
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    from assistant.cli.attach import attach_files

    return attach_files(args)


def cmd_set_field(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.required_fields import (
        asked_fields,
        cached_fields,
        field_map,
        fields_scope,
        find_field,
        mapped_path,
        parse_answer,
    )

    if args.clear == bool(args.values):
        return fail("give the value(s), or --clear to remove it", EXIT_USAGE)
    try:
        _paths, settings, policy = load_agent(args)
        ttype = settings.tracker.type
        store = open_store(args)
        try:
            esc = store.get(resolve_id(store, args.id))
            refused = unchangeable(esc, "it")
            if refused is not None:
                return fail(refused)
            cached = cached_fields(store, fields_scope(settings.tracker, policy)) if ttype else None
            if cached is None:
                return fail(
                    "the fields the tracker requires are not known yet: run `tracker test`"
                    " (or `tracker fields --refresh`) while the tracker is reachable."
                )
            try:
                f = find_field(cached.fields, args.field)
            except ValueError as exc:
                return fail(str(exc), EXIT_USAGE)
            path = mapped_path(f, field_map(policy, ttype))
            if path is not None:
                return fail(
                    f"{f.name} is filled from {path} by the Ops policy; change that field instead.",
                    EXIT_USAGE,
                )
            if f not in asked_fields(cached, policy, ttype) and not args.clear:
                print(f"note: {f.name} has a default in the tracker; yours replaces it.")
            value: FieldValue | None = None
            if not args.clear:
                try:
                    value = parse_answer(f, args.values)
                except ValueError as exc:
                    return fail(str(exc), EXIT_USAGE)

            def put(doc: Escalation) -> None:
                if value is None:
                    doc.tracker_fields.pop(f.id, None)
                else:
                    doc.tracker_fields[f.id] = value

            # One write transaction on the document as stored now: an open wizard's
            # changes meanwhile are kept.
            store.edit(str(esc.id), put)
        finally:
            store.close()
    except BadId as exc:
        return fail(str(exc), EXIT_USAGE)
    except AssistantError as exc:
        return fail(str(exc))
    if value is None:
        shown = "(cleared)"
    else:
        shown = ", ".join(f.label_of(v) for v in (value if isinstance(value, list) else [value]))
    print(f"{esc.short_id}: {f.name} = {shown}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    try:
        store = open_store(args)
        eid = resolve_id(store, args.id)
        store.delete(eid)
    except BadId as exc:
        return fail(str(exc), EXIT_USAGE)
    except AssistantError as exc:
        return fail(str(exc))
    print(f"Deleted {eid} (it can be restored from the app until it is purged).")
    return 0
