"""``policy validate|sign|keygen|source|show|fetch``: Ops' policy, its signature and source."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.cli.common import fail
from assistant.errors import AssistantError, PolicyError
from assistant.paths import resolve_paths
from assistant.policy import load_policy
from assistant.policy.signing import SignatureError, signature_path

BUILT_IN_WORDS = ("built-in", "builtin", "default")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("policy", help="Ops' policy: check, sign, choose its source, show it")
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    v = psub.add_parser("validate", help="check a policy file (and its signature); exit 1 if bad")
    v.add_argument("file", type=Path)
    v.add_argument(
        "--public-key", type=Path, help="Ops' Ed25519 public key: FILE.sig must verify with it"
    )
    v.set_defaults(func=cmd_validate)

    s = psub.add_parser("sign", help="write FILE.sig, the Ed25519 signature of a policy (for Ops)")
    s.add_argument("file", type=Path)
    s.add_argument("--key", type=Path, required=True, help="Ops' private key (PEM)")
    s.set_defaults(func=cmd_sign)

    k = psub.add_parser("keygen", help="make an Ed25519 key pair for signing policies (for Ops)")
    k.add_argument("private_key", type=Path, help="where to write the private key (PEM)")
    k.add_argument("public_key", type=Path, help="where to write the public key (PEM)")
    k.set_defaults(func=cmd_keygen)

    src = psub.add_parser(
        "source", help="use a policy file or https:// URL ('built-in' for the shipped one)"
    )
    src.add_argument("location", help="a file path, an https:// URL, or built-in")
    src.add_argument("--public-key", help="Ops' public key (PEM): only signed policies then")
    src.add_argument("--ca-bundle", help="PEM file of the CAs to trust for the URL")
    src.add_argument("--refresh", type=int, metavar="SECONDS", help="how often the app checks")
    src.set_defaults(func=cmd_source)

    sh = psub.add_parser("show", help="the policy in force, where it came from, and why")
    sh.add_argument("--json", action="store_true", help="print a JSON object")
    sh.set_defaults(func=cmd_show)

    f = psub.add_parser("fetch", help="check the source now; exit 1 if the last good one stays")
    f.add_argument("--json", action="store_true", help="print a JSON object")
    f.set_defaults(func=cmd_fetch)


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.file)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    signed = ""
    if args.public_key is not None:
        from assistant.policy.signing import key_fingerprint, load_public_key, verify

        sig_file = signature_path(args.file)
        try:
            key = load_public_key(args.public_key)
            sig = sig_file.read_bytes() if sig_file.exists() else None
            verify(args.file.read_bytes(), sig, key)
        except (SignatureError, OSError) as exc:
            return fail(f"{args.file}: {exc}")
        signed = f", signature valid ({sig_file.name}, key {key_fingerprint(key)})"
    print(
        f"{args.file}: valid — {policy.policy.name} {policy.policy.version}, "
        f"{len(policy.components)} components, {len(policy.priorities)} priorities, "
        f"{sum(c.out_of_scope for c in policy.categories)} out-of-scope categories, "
        f"sha256 {policy.stamp.sha256}{signed}"
    )
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from assistant.policy.signing import load_private_key, sign

    try:
        load_policy(args.file)  # never sign a policy the apps would refuse anyway
        key = load_private_key(args.key)
        data = args.file.read_bytes()
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return fail(f"{args.file} is not a valid policy; not signed")
    except (SignatureError, OSError) as exc:
        return fail(str(exc))
    out = signature_path(args.file)
    out.write_text(sign(data, key), encoding="ascii")
    print(f"Signed: {out} (publish it next to {args.file.name})")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from assistant.policy.signing import generate_key_pair, key_fingerprint

    try:
        public = generate_key_pair(args.private_key, args.public_key)
    except FileExistsError:
        return fail(f"{args.private_key} exists; not overwritten")
    except OSError as exc:
        return fail(str(exc))
    print(f"Private key: {args.private_key} (keep it with Ops; never publish it)")
    print(f"Public key:  {args.public_key} ({key_fingerprint(public)}) — give this to IT")
    return 0


def cmd_source(args: argparse.Namespace) -> int:
    from assistant.settings import save_settings
    from assistant.site import LockedSettingError, load_effective_settings, refuse_locked
    from assistant.urls import has_credentials

    location = args.location.strip()
    if has_credentials(location):
        # Refused before anything is saved, and never repeated: it carries a password.
        return fail(
            "the policy source URL contains a user name or password; give the address without"
            " them (a policy is public to the agents it is for). Nothing was saved.",
            2,
        )
    paths = resolve_paths(args.data_dir).ensure()
    settings, site = load_effective_settings(paths.settings_file)
    if location.lower() in BUILT_IN_WORDS:
        location = ""
    elif "://" not in location:
        location = str(Path(location).expanduser().resolve())
    changes: dict[str, object] = {"policy.source": location}
    if args.public_key is not None:
        changes["policy.public_key"] = (
            str(Path(args.public_key).expanduser().resolve()) if args.public_key else ""
        )
    if args.ca_bundle is not None:
        changes["policy.ca_bundle"] = (
            str(Path(args.ca_bundle).expanduser().resolve()) if args.ca_bundle else ""
        )
    if args.refresh is not None:
        if args.refresh < 1:
            return fail("--refresh must be at least 1 second", 2)
        changes["policy.refresh_s"] = args.refresh
    try:
        refuse_locked(site, changes, settings)
    except LockedSettingError as exc:
        return fail(str(exc), 2)
    policy_settings = settings.policy.model_copy(
        update={key.split(".", 1)[1]: value for key, value in changes.items()}
    )
    settings = settings.model_copy(update={"policy": policy_settings})
    try:
        save_settings(paths.settings_file, settings)
    except OSError as exc:
        from assistant.local_files import write_problem

        return fail(f"{write_problem(paths.settings_file, exc)} The source was not changed.")
    return _fetch_and_print(paths.data_dir, settings.policy, as_json=False)


def cmd_show(args: argparse.Namespace) -> int:
    from assistant.policy.source import PolicySource, policy_cache_dir
    from assistant.site import load_effective_settings

    paths = resolve_paths(args.data_dir).ensure()
    settings, site = load_effective_settings(paths.settings_file)
    source = PolicySource(settings.policy, policy_cache_dir(paths.data_dir))
    status = source.load_cached()
    if args.json:
        data = status.as_json()
        data["site_config"] = str(site.path) if site.exists else None
        data["locked"] = sorted(k for k in site.locked if k.startswith("policy."))
        if site.problem:
            data["site_problem"] = site.problem
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    for line in status.lines():
        print(line)
    if site.exists:
        locked = sorted(k for k in site.locked if k.startswith("policy."))
        print(f"{'Site file:':12}{site.path}" + (f" (locks {', '.join(locked)})" if locked else ""))
    if site.problem:
        print(f"{'Site file:':12}{site.problem}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from assistant.site import load_effective_settings

    paths = resolve_paths(args.data_dir).ensure()
    settings, _site = load_effective_settings(paths.settings_file)
    return _fetch_and_print(paths.data_dir, settings.policy, as_json=args.json)


def _fetch_and_print(data_dir: Path, policy_settings: object, *, as_json: bool) -> int:
    from assistant.policy.source import PolicySource, policy_cache_dir
    from assistant.settings import PolicySettings

    assert isinstance(policy_settings, PolicySettings)
    try:
        source = PolicySource(policy_settings, policy_cache_dir(data_dir))
        source.load_cached()
        status = source.refresh()
    except AssistantError as exc:
        return fail(str(exc))
    if as_json:
        json.dump(status.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for line in status.lines():
            print(line)
    return 1 if status.problem else 0
