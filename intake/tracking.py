"""Tracking codes and status secrets.

A person gets two things when they file: a tracking code (unique, shown on the receipt, safe to
write down) and a secret (shown once). Only a salted HMAC of the secret is stored, and it is
compared in constant time, so a copy of the database does not reveal secrets and timing does
not reveal how close a guess was.
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

# No 0/O, 1/I/L or U: codes are read aloud over the phone and copied by hand.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_HMAC_PURPOSE = b"rights-desk/report-status-secret"


def new_tracking_code() -> str:
    """A code like `RD-7KQ4-M9XP` (about 6.6e11 possibilities; uniqueness is a DB constraint)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"RD-{body[:4]}-{body[4:]}"


def normalise_tracking_code(raw: str) -> str:
    """Accept what a person types: any case, spaces, missing dashes."""
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum())
    if cleaned.startswith("RD"):
        cleaned = cleaned[2:]
    if len(cleaned) != 8:
        return raw.strip().upper()
    return f"RD-{cleaned[:4]}-{cleaned[4:]}"


def new_secret() -> str:
    """A secret of 16 characters from the same unambiguous alphabet (about 79 bits)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _digest(salt: str, secret: str) -> str:
    normalised = "".join(ch for ch in secret.upper() if ch.isalnum())
    key = hashlib.sha256(_HMAC_PURPOSE + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{salt}:{normalised}".encode(), hashlib.sha256).hexdigest()


def hash_secret(secret: str) -> str:
    salt = secrets.token_hex(16)
    return f"{salt}${_digest(salt, secret)}"


def secret_matches(secret: str, stored: str) -> bool:
    """Constant-time check of `secret` against a value made by `hash_secret`."""
    salt, _, expected = stored.partition("$")
    if not salt or not expected:
        # Still do the work, so a report without a secret answers as slowly as a wrong guess.
        hmac.compare_digest(_digest("0" * 32, secret), "0" * 64)
        return False
    return hmac.compare_digest(_digest(salt, secret), expected)


# --- Sending twice -------------------------------------------------------------------------------
# A receipt must be shown again, with its secret, to whoever sends the same report twice (a
# double click, a retry after a dropped connection). The secret is therefore kept, for a day,
# sealed with a key derived from the sender's own idempotency key, which the server stores only
# as a hash: the database alone cannot open it, the sender can.
_KEY_PURPOSE = b"rights-desk/submission-key"
_SEAL_PURPOSE = b"rights-desk/submission-seal"


def submission_key_hash(channel: str, key: str) -> str:
    return hashlib.sha256(_KEY_PURPOSE + f"\0{channel}\0{key}".encode()).hexdigest()


def _sealer(channel: str, key: str) -> Fernet:
    derived = hmac.new(
        settings.SECRET_KEY.encode(), _SEAL_PURPOSE + f"\0{channel}\0{key}".encode(),
        hashlib.sha256,
    ).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal_secret(channel: str, key: str, secret: str) -> str:
    return _sealer(channel, key).encrypt(secret.encode()).decode()


def open_secret(channel: str, key: str, sealed: str) -> str:
    """The secret sealed by `seal_secret` with the same key; "" when it cannot be opened."""
    if not sealed:
        return ""
    try:
        return _sealer(channel, key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
