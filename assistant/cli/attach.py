"""``drafts attach ID FILE...``: the same scrubbing as the wizard's attachments page."""

from __future__ import annotations

import argparse
import sys

from assistant.cli.common import BadId, fail, open_store, resolve_id, unchangeable
from assistant.errors import AssistantError
from assistant.model import Escalation


def attach_files(args: argparse.Namespace) -> int:
    from assistant.cli.outbox import load_agent
    from assistant.scrub import ScrubRules
    from assistant.store.attachments import add_files, report_of, why_lines

    try:
        _paths, _settings, policy = load_agent(args)
        store = open_store(args)
        try:
            esc = store.get(resolve_id(store, args.id))
            refused = unchangeable(esc, "its attachments")
            if refused is not None:
                return fail(refused)
            files = [(path, path.name) for path in args.files]
            added, problems = add_files(
                store,
                files,
                current_total=sum(a.size for a in esc.attachments),
                max_mb=policy.limits.attachment_max_mb,
                total_mb=policy.limits.attachments_total_mb,
                rules=ScrubRules(policy.scrub),
            )
            if added:
                refs = [ref for ref, _report in added]

                def append(doc: Escalation) -> None:
                    doc.attachments = [*doc.attachments, *refs]

                # Appended to the document as stored now: the scan may take a while, and a
                # wizard open on this draft may have saved meanwhile.
                store.edit(str(esc.id), append)
        finally:
            store.close()
    except BadId as exc:
        return fail(str(exc), 2)
    except AssistantError as exc:
        return fail(str(exc))
    for ref, _report in added:
        print(report_of(ref))
        for line in why_lines(ref):
            print(line)
        if ref.scrub is not None and ref.scrub.needs_confirmation:
            print("  (confirm it on the review page before submitting)")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if added:
        print(f"{esc.short_id}: {len(added)} file(s) attached, scrubbed copies stored.")
    if problems:
        kept = f"{len(added)} other file(s) attached" if added else "nothing was attached"
        print(
            f"{esc.short_id}: {len(problems)} of {len(files)} file(s) not attached (above);"
            f" {kept}.",
            file=sys.stderr,
        )
    return 1 if problems else 0
