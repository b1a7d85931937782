"""base64url without padding, decoded strictly.

Strict decoding matters: if two texts decoded to the same bytes, a retry could be taken for an
equivocation, and a hash over bytes would not pin the text that is stored and compared.
"""

import base64
import binascii
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


class Base64Error(ValueError):
    """Text that is not canonical base64url without padding."""


def b64encode(data):
    """Encode bytes as base64url text without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text, length=None):
    """Decode canonical unpadded base64url text; optionally require an exact byte length."""
    if not isinstance(text, str) or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise Base64Error("not base64url without padding")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the pattern above rules this out
        raise Base64Error("not base64url without padding") from exc
    if b64encode(data) != text:
        raise Base64Error("non-canonical base64url (stray bits at the end)")
    if length is not None and len(data) != length:
        raise Base64Error("expected %d bytes, got %d" % (length, len(data)))
    return data


# Valid last characters when the final group carries 1 or 2 bytes: the unused low bits are zero.
_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}


def decoded_length(text):
    """The byte length of canonical base64url text, or None if it is not canonical.

    Checks without decoding, for validating many values quickly.
    """
    if not isinstance(text, str) or not _ALPHABET.fullmatch(text):
        return None
    rest = len(text) % 4
    if rest == 1 or (rest and text[-1] not in _LAST[rest]):
        return None
    return len(text) // 4 * 3 + (rest - 1 if rest else 0)
