"""Sealing text with a report's data key (plumbing.keys.store): AES-256-GCM, a fresh 96-bit nonce
per value, and the value's place (`context`, for example b"intake.complainant.name") bound in
as associated data, so a sealed value copied into another column does not open there.

A sealed value is ASCII: `s1.` and the URL-safe base64 of nonce + ciphertext + tag. The empty
string is stored as itself: that a field is empty is not a secret (constraints such as "an
anonymous complainant has no name" read it), and it keeps empty fields free to store.
"""

import base64
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from plumbing.keys.store import data_key

PREFIX = "s1."
_NONCE_BYTES = 12


class Unreadable(Exception):
    """A sealed value does not open with its key and place: altered, or moved."""


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(key_id: uuid.UUID, text: str, *, context: bytes) -> str:
    if text == "":
        return ""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(data_key(key_id)).encrypt(nonce, text.encode("utf-8"), context)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key_id: uuid.UUID, value: str, *, context: bytes) -> str:
    """The text `seal` sealed. Raises plumbing.keys.store.KeyDestroyed when the key is gone and
    Unreadable when the value was altered or belongs elsewhere."""
    if value == "":
        return ""
    if not is_sealed(value):
        raise Unreadable("not a sealed value")
    raw = base64.urlsafe_b64decode(value[len(PREFIX) :])
    try:
        opened = AESGCM(data_key(key_id)).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context
        )
    except InvalidTag as error:
        raise Unreadable("the value does not open with its key here") from error
    return opened.decode("utf-8")
