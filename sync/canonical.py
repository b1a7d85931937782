"""Canonical JSON (RFC 8785, JCS) for the types the protocol uses.

Signatures cover these bytes, and the JavaScript twin must produce the very same bytes, so the
rules are strict: objects, arrays, strings, booleans, null and integers that JavaScript can hold
exactly. Fractional numbers are refused rather than encoded: no field of the protocol needs one,
and refusing them removes the hardest part of JCS (ECMAScript number formatting) from both
implementations. NaN and infinities are refused too.
"""

import json

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


class CanonicalJSONError(ValueError):
    """A value that has no canonical JSON form in this protocol."""


def _utf16_key(key):
    # JCS sorts member names by their UTF-16 code units, not by code points: the two orders
    # differ for characters above U+FFFF compared with those in U+E000..U+FFFF.
    return key.encode("utf-16-be", "surrogatepass")


def _string(value):
    out = ['"']
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " ":
            out.append("\\u%04x" % ord(ch))
        elif "\ud800" <= ch <= "\udfff":
            raise CanonicalJSONError("strings must be valid Unicode (found a lone surrogate)")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _encode(value, out, depth):
    if depth > MAX_DEPTH:
        raise CanonicalJSONError("nesting deeper than %d levels" % MAX_DEPTH)
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalJSONError("integer %d is outside the range JavaScript holds exactly" % value)
        out.append(str(value))
    elif isinstance(value, float):
        # JavaScript cannot tell 100.0 (or 1e2) from 100, so an integral float is the integer,
        # exactly as RFC 8785 serialises it. Fractions have no place in the protocol.
        if not value.is_integer():
            raise CanonicalJSONError("fractional numbers are not allowed; use integers or strings")
        _encode(int(value), out, depth)
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, depth + 1)
        out.append("]")
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalJSONError("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(value[key], out, depth + 1)
        out.append("}")
    else:
        raise CanonicalJSONError("type %s has no JSON form" % type(value).__name__)


class _NotSimple(Exception):
    pass


def _check_simple(value, depth):
    # The fast path: json.dumps already writes JCS for ASCII keys (where code-point order is
    # UTF-16 order), integers, booleans, null, and strings (it escapes exactly the characters
    # JCS escapes, in lowercase hex, when ensure_ascii is off). Anything else takes the slow path.
    if depth > MAX_DEPTH:
        raise _NotSimple
    t = type(value)
    if t is str or t is bool or value is None:
        return
    if t is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return
        raise _NotSimple
    if t is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise _NotSimple
            _check_simple(item, depth + 1)
        return
    if t is list or t is tuple:
        for item in value:
            _check_simple(item, depth + 1)
        return
    raise _NotSimple


def canonical_json(value):
    """Return the canonical JSON text of `value` as a str."""
    try:
        _check_simple(value, 0)
    except _NotSimple:
        out = []
        _encode(value, out, 0)
        return "".join(out)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise CanonicalJSONError("strings must be valid Unicode (found a lone surrogate)") from None
    return text


def canonical_bytes(value):
    """Return the canonical JSON of `value` as UTF-8 bytes: what signatures cover."""
    return canonical_json(value).encode("utf-8")
