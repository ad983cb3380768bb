"""``tracker configure|test|fields``: the Ops tracker connection (the token goes to the
keyring) and the fields the tracker itself requires on a new ticket (issue 14)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from assistant.cli.common import EXIT_USAGE, fail
from assistant.credentials import TOKEN_ENV, CredentialStore, KeyringUnavailable
from assistant.errors import AssistantError
from assistant.paths import AppPaths, resolve_paths
from assistant.settings import TrackerSettings, save_settings
from assistant.trackers.registry import TRACKERS

if TYPE_CHECKING:
    from assistant.policy.schema import Policy
    from assistant.trackers.fields import TrackerFields


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tracker", help="set up and test the Ops tracker connection")
    tsub = p.add_subparsers(dest="tracker_command", metavar="ACTION", required=True)

    c = tsub.add_parser("configure", help="set the tracker type, URL, project and user")
    c.add_argument("--type", required=True, choices=TRACKERS.ids())
    c.add_argument("--url", required=True, help="base URL (never with credentials in it)")
    c.add_argument("--project", default=None, help="project id / key / owner/repo")
    c.add_argument("--user", default=None, help="user name or e-mail (Jira Cloud)")
    c.add_argument(
        "--text-formatting",
        choices=["textile", "common_mark"],
        default=None,
        help="Redmine's text formatting setting (Debian's default: textile)",
    )
    c.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a tracker option, e.g. issue_form=escalation.yml (GitHub); NAME= removes it",
    )
    c.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the API token from standard input and store it in the keyring",
    )
    c.set_defaults(func=cmd_configure)

    t = tsub.add_parser(
        "test",
        help="check the connection; prints who the token belongs to and the fields the"
        " tracker requires on new tickets",
    )
    t.set_defaults(func=cmd_test)

    f = tsub.add_parser(
        "fields", help="the fields the tracker requires on new tickets (the cached list)"
    )
    f.add_argument("--refresh", action="store_true", help="ask the tracker again now")
    f.set_defaults(func=cmd_fields)


def cmd_configure(args: argparse.Namespace) -> int:
    from assistant.trackers.http import header_value_problem, url_credentials_problem
    from assistant.urls import web_url_problem

    problem = url_credentials_problem(args.url) or web_url_problem(args.url, "--url")
    if problem is not None:
        return fail(f"{problem} Nothing was saved.", EXIT_USAGE)
    token = ""
    if args.token_stdin:
        token = sys.stdin.readline().strip()
        if not token:
            return fail("no token on standard input; nothing was saved", EXIT_USAGE)
        problem = header_value_problem(token)
        if problem is not None:
            return fail(f"{problem} Nothing was saved.", EXIT_USAGE)
    options: dict[str, str] = {}
    for raw in args.option:
        name, sep, value = raw.partition("=")
        if not sep or not name.strip():
            return fail(f"--option takes NAME=VALUE, not {raw!r}; nothing was saved", EXIT_USAGE)
        options[name.strip()] = value.strip()
    from assistant.site import LockedSettingError, load_effective_settings, refuse_locked

    try:
        paths = resolve_paths(args.data_dir).ensure()
        settings, site = load_effective_settings(paths.settings_file)
        url = args.url.strip()
        changes: dict[str, object] = {"tracker.type": args.type, "tracker.url": url}
        if args.project is not None:
            changes["tracker.project"] = args.project
        # IT's locked values stay as IT set them: refused before anything is saved.
        refuse_locked(site, changes, settings)
        ts = settings.tracker.model_copy()
        ts.type = args.type
        ts.url = url
        if args.project is not None:
            ts.project = args.project
        if args.user is not None:
            ts.user = args.user
        if args.text_formatting is not None:
            ts.text_formatting = args.text_formatting
        if options:
            kept = {k: v for k, v in ts.options.items() if k not in options}
            ts.options = {**kept, **{k: v for k, v in options.items() if v}}
        settings = settings.model_copy(update={"tracker": ts})
        save_settings(paths.settings_file, settings)
    except LockedSettingError as exc:
        return fail(f"{exc} Nothing was saved.", EXIT_USAGE)
    except (AssistantError, OSError) as exc:
        return fail(str(exc))
    print(f"Tracker: {TRACKERS.title(ts.type)} at {ts.url} (project {ts.project or '-'})")
    if not token:
        return 0
    creds = CredentialStore()
    try:
        creds.set_token(ts.url, ts.user, token)
        print("Token saved in the keyring.")
    except KeyringUnavailable as exc:
        # This process ends now, so the session-only token ends with it; the token problem
        # is cleared all the same (a new token was given) and the agent is told how to
        # make it last.
        print(
            f"warning: {exc} This command ends now, so for the next commands set"
            f" {TOKEN_ENV} or install a keyring.",
            file=sys.stderr,
        )
    return _clear_token_problem(paths, ts)


def _clear_token_problem(paths: AppPaths, ts: TrackerSettings) -> int:
    """A new token was given: unblock the tracker and queue what waited for it."""
    from assistant.store import Store
    from assistant.submission import tracker_identity

    try:
        store = Store(paths)
        try:
            requeued = store.outbox.clear_auth_block(tracker_identity(ts))
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if requeued:
        print(f"{requeued} escalation(s) waiting for a new token were queued again.")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.required_fields import fields_scope, refresh_fields
    from assistant.store import Store
    from assistant.submission import configured_tracker

    fields: TrackerFields | None = None
    problem = ""
    try:
        paths, settings, policy = load_agent(args, fresh=True)
        with configured_tracker(settings, policy, CredentialStore()) as tracker:
            who = tracker.verify()
            # The tracker's own required fields, cached for offline use; not being able to
            # read them does not make the connection bad (the daily refresh tries again).
            try:
                store = Store(paths)
                try:
                    fields = refresh_fields(store, tracker, fields_scope(settings.tracker, policy))
                finally:
                    store.close()
            except AssistantError as exc:
                problem = str(exc)
    except AssistantError as exc:
        return fail(str(exc))
    ttype = settings.tracker.type
    login = f" ({who.login})" if who.login and who.login != who.name else ""
    print(f"OK: {TRACKERS.title(ttype)} knows you as {who.name}{login}")
    if fields is not None:
        print_fields(fields, policy, ttype)
    else:
        print(
            f"warning: the fields {TRACKERS.title(ttype)} requires on new tickets could not be"
            f" read: {problem} The app tries again daily (or: tracker fields --refresh).",
            file=sys.stderr,
        )
    # The token works: whatever waited for a new one may go now.
    return _clear_token_problem(paths, settings.tracker)


def print_fields(fields: TrackerFields, policy: Policy, tracker_type: str) -> None:
    """The tracker's required fields, one line each, with who fills them in."""
    from assistant.required_fields import describe_field

    title = TRACKERS.title(tracker_type)
    where = f" in {fields.where}" if fields.where else ""
    required = [f for f in fields.fields if f.required]
    optional = [f for f in fields.fields if not f.required]
    if not fields.known:
        print(f"{title} does not say which fields it requires on new tickets{where}.")
        if required:
            print("Sent with every new ticket:")
    elif required:
        print(f"{title} requires on new tickets{where}:")
    else:
        print(f"{title} requires no fields of its own on new tickets{where}.")
    for f in required:
        print(f"  {describe_field(f, policy, tracker_type)}")
    if optional:
        print("Also sent (optional in the tracker, mapped by the policy):")
        for f in optional:
            print(f"  {describe_field(f, policy, tracker_type)}")
    if fields.note:
        print(f"note: {fields.note}")
    if fields.caveat:
        print(f"note: {fields.caveat}")


def cmd_fields(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.required_fields import age_text, cached_fields, fields_scope, refresh_fields
    from assistant.store import Store
    from assistant.submission import configured_tracker

    try:
        paths, settings, policy = load_agent(args, fresh=True)
        ttype = settings.tracker.type
        if not ttype:
            return fail("No Ops tracker is set up yet: run `tracker configure` first.")
        scope = fields_scope(settings.tracker, policy)
        store = Store(paths)
        try:
            problem = ""
            if args.refresh:
                try:
                    with configured_tracker(settings, policy, CredentialStore()) as tracker:
                        refresh_fields(store, tracker, scope)
                except AssistantError as exc:
                    problem = str(exc)
            fields = cached_fields(store, scope)
        finally:
            store.close()
    except AssistantError as exc:
        return fail(str(exc))
    if problem:
        kept = " The cached list stays in use." if fields is not None else ""
        print(f"error: the tracker could not be asked: {problem}{kept}", file=sys.stderr)
    if fields is None:
        print(
            f"The fields {TRACKERS.title(ttype)} requires on new tickets were never fetched:"
            " run `tracker test` or `tracker fields --refresh`.",
            file=sys.stderr,
        )
        return 1
    print_fields(fields, policy, ttype)
    print(f"({age_text(fields)})")
    if fields.is_stale():
        print(
            "warning: this list is older than a day; the tracker may require other fields"
            " by now. Refresh it with `tracker fields --refresh`.",
            file=sys.stderr,
        )
    return 1 if problem else 0
