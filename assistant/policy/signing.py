"""Ed25519 detached signatures of policy files (``policy.toml.sig`` beside the file).

The signature covers the exact bytes of the file. A ``.sig`` file holds the 64-byte
signature in base64 (one line); keys are PEM files as ``openssl genpkey -algorithm ed25519``
and ``openssl pkey -pubout`` write them (an OpenSSH ``ssh-ed25519`` public key works too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError
from assistant.local_files import UnusableFile, read_regular

if TYPE_CHECKING:
    # cryptography costs about 9 MiB and is needed only when a signature is checked or
    # made, so each function imports what it uses.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIGNATURE_SUFFIX = ".sig"
_SIGNATURE_LEN = 64


class SignatureError(AssistantError):
    """A key or signature that cannot be used; the message says which and why."""


def signature_path(policy_path: Path) -> Path:
    """Where the detached signature of ``policy_path`` lives."""
    return policy_path.with_name(policy_path.name + SIGNATURE_SUFFIX)


#: a PEM or OpenSSH key is well under a kilobyte
MAX_KEY_BYTES = 64 * 1024


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """Read Ops' public key (PEM, or an OpenSSH ``ssh-ed25519`` line)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    p = Path(path)
    try:
        data = read_regular(p, "a public key", MAX_KEY_BYTES)
    except UnusableFile as exc:
        raise SignatureError(f"The policy public key {exc}") from exc
    key: object
    try:
        if data.lstrip().startswith(b"ssh-ed25519"):
            key = serialization.load_ssh_public_key(data.strip())
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{p} is not a PEM or OpenSSH public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError(f"{p} is not an Ed25519 public key")
    return key


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read Ops' private signing key (unencrypted PEM, PKCS#8 or OpenSSH)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    p = Path(path)
    try:
        data = read_regular(p, "a private key", MAX_KEY_BYTES)
    except UnusableFile as exc:
        raise SignatureError(f"The private key {exc}") from exc
    key: object
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"{p} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{p} is not an Ed25519 private key")
    return key


def key_fingerprint(key: Ed25519PublicKey) -> str:
    """A short SHA-256 fingerprint of the raw public key, to tell keys apart in messages."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()[:16]


def sign(data: bytes, key: Ed25519PrivateKey) -> str:
    """The detached signature of ``data`` as the one-line text of a ``.sig`` file."""
    return base64.b64encode(key.sign(data)).decode("ascii") + "\n"


def decode_signature(text: bytes) -> bytes:
    """The raw signature from a ``.sig`` file's content (base64, or the raw 64 bytes)."""
    if len(text) == _SIGNATURE_LEN:
        return text
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("the signature file is not base64") from exc
    if len(raw) != _SIGNATURE_LEN:
        raise SignatureError(f"the signature is {len(raw)} bytes long; an Ed25519 signature has 64")
    return raw


def verify(data: bytes, signature: bytes | None, key: Ed25519PublicKey) -> None:
    """``SignatureError`` unless ``signature`` (a ``.sig`` file's content) signs ``data``."""
    from cryptography.exceptions import InvalidSignature

    if signature is None:
        raise SignatureError("the policy is not signed (no .sig file beside it)")
    raw = decode_signature(signature)
    try:
        key.verify(raw, data)
    except InvalidSignature as exc:
        raise SignatureError(
            f"the signature does not match the policy with Ops' key {key_fingerprint(key)}"
        ) from exc


def generate_key_pair(private_path: Path, public_path: Path) -> Ed25519PublicKey:
    """Write a new Ed25519 key pair (PEM; the private file readable by its owner only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_bytes(pem)
    public = key.public_key()
    public_path.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public
