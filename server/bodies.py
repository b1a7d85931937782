"""Reading request bodies: JSON only, size-limited (also after gzip), errors in the envelope."""

import json
import zlib

from flask import current_app, request

from .errors import APIError


def _raw_body():
    data = request.get_data(cache=False)
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding != "gzip":
        raise APIError(415, "unsupported_encoding")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise APIError(400, "invalid_body") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise APIError(413, "body_too_large", "The request is too large once decompressed. "
                       "Send fewer items at once.")
    return out


def json_body():
    """The request's JSON body as Python data, or an APIError a client can show."""
    if request.mimetype != "application/json":
        raise APIError(415, "unsupported_media_type")
    raw = _raw_body()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise APIError(400, "invalid_json", "The body is not valid UTF-8.") from None
    except RecursionError:
        raise APIError(400, "invalid_json", "The body is nested too deeply.") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to parse
        raise APIError(400, "invalid_json", "The body is not valid JSON: %s." % exc) from None


def _no_constants(name):
    raise ValueError("%s is not allowed" % name)


def load(schema):
    """Load and validate the JSON body with a marshmallow schema (errors become a 400)."""
    data = json_body()
    if not isinstance(data, dict):
        raise APIError(400, "invalid_request", "The body must be a JSON object.")
    return schema.load(data)
