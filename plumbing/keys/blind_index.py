"""A blind search index: each word of a text replaced by a short keyed hash of it.

The search text of a case (cases/search.py) is kept in the database as these tokens, never as
words: a reader of the database learns which cases share a word, not the word. The key
(`SEARCH_INDEX_KEY`) lives outside the database, like the key-encryption keys; changing it means
rebuilding every case's search text (`manage.py rebuild_search_index`).

Words are lowercased and stripped of accents, so "Pérez" and "perez" are one token; a few very
common English words are left out, as PostgreSQL's English search configuration leaves them out;
and the commonest English endings are taken off (`stem`: "boxed", "boxing" and "boxes" are all
"box"), a small part of what PostgreSQL's English stemmer did before the index was blind.
"""

import base64
import functools
import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

_WORD = re.compile(r"\w+")
# Ten characters of base32: 50 bits, so two words share a token about once in 10^15 pairs.
_TOKEN_CHARS = 10
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
})


def search_key() -> bytes:
    key = str(getattr(settings, "SEARCH_INDEX_KEY", "") or "")
    if key:
        return key.encode()
    # Without its own key, one derived from SECRET_KEY (which also lives outside the database).
    return hmac.new(
        settings.SECRET_KEY.encode(), b"rights-desk search index", hashlib.sha256
    ).digest()


def stem(word: str) -> str:
    """`word` without a plural or verb ending ("-s", "-es" after x, ch, sh, ss or z, "-ed",
    "-ing", "-ly"), keeping at least three letters; a doubled last consonant left behind is
    halved ("stopped", "stop")."""
    if not word.isalpha() or len(word) < 4:
        return word
    for ending in ("ing", "ed", "ly", "es", "s"):
        base = word.removesuffix(ending)
        if base == word or len(base) < 3:
            continue
        if ending == "es" and not base.endswith(("x", "ch", "sh", "ss", "z")):
            continue
        if ending == "s" and base.endswith(("s", "u", "i")):
            continue
        if ending in ("ing", "ed") and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]
        return base
    return word


def normal_words(text: str) -> list[str]:
    """The words of `text`, lowercased, without accents and endings, without stop words, in
    order."""
    flat = unicodedata.normalize("NFKD", text.casefold())
    flat = "".join(char for char in flat if not unicodedata.combining(char))
    return [stem(word) for word in _WORD.findall(flat) if word not in STOP_WORDS]


@functools.lru_cache(maxsize=65536)
def _token(key: bytes, word: str) -> str:
    digest = hmac.digest(key, word.encode("utf-8"), "sha256")
    return base64.b32encode(digest).decode("ascii")[:_TOKEN_CHARS].lower()


def tokens(text: str) -> list[str]:
    """The blind tokens of the words of `text`, in order."""
    key = search_key()
    return [_token(key, word) for word in normal_words(text)]


def index_text(text: str) -> str:
    """What is stored for `text`: its tokens between single spaces, with a space at each end so
    a token is always found as " token "."""
    found = tokens(text)
    return f" {' '.join(found)} " if found else ""
