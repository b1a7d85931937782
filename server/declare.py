"""Each route's contract, declared once on its view (decorators in the spirit of apifairy).

The decorators record what a route reads and answers on the view function, and the loading ones
do the work too: `body` reads the JSON body (size-limited, server/bodies.py) and loads it with a
marshmallow schema, `query` and `path` load the query string and the URL's variables,
`response` dumps what the view returns. `other_responses` names the refusals a route can answer
beyond those its declarations imply, as codes of the registry (sync/refusals.json).
server/api/docs.py builds the OpenAPI document from this metadata and the views' docstrings
alone, and `authenticated` (server/auth.py) records who may call a route.

A loaded value is passed to the view as a positional argument, in the order the decorators are
listed; path variables stay keyword arguments. Decorators run top to bottom, so list them in the
order the checks must happen: `authenticated` first, then the path, the query, the body.
"""

from functools import wraps

from flask import Response, request

from sync.refusals import REGISTRY, statuses

from . import bodies
from .errors import APIError

JSON = "application/json"


def spec_of(view):
    """The metadata declared on a view (created empty on first use). Wrappers made with
    functools.wraps share it with the function they wrap."""
    return view.__dict__.setdefault("_api", {})


def declared(view):
    """The metadata of a view as registered (the outermost wrapper), or None if it has none."""
    while view is not None:
        if "_api" in view.__dict__:
            return view.__dict__["_api"]
        view = getattr(view, "__wrapped__", None)
    return None


def _instance(schema):
    return schema() if isinstance(schema, type) else schema


def body(schema, *, lazy=False):
    """The JSON body, loaded with `schema` (400 invalid_json / invalid_request, 413, 415).

    With `lazy`, the view gets a function that reads and loads the body when called: for a view
    that must refuse what its path names before it looks at the body.
    """
    schema = _instance(schema)

    def decorate(view):
        spec_of(view)["body"] = {"schema": schema, "media_type": JSON}

        @wraps(view)
        def inner(*args, **kwargs):
            loaded = (lambda: bodies.load(schema)) if lazy else bodies.load(schema)
            return view(*args, loaded, **kwargs)

        return inner

    return decorate


def raw_body(media_type, description):
    """A body the view reads itself (request.get_data), documented as bytes of `media_type`."""

    def decorate(view):
        spec_of(view)["body"] = {"schema": None, "media_type": media_type, "description": description}
        return view

    return decorate


def query(schema):
    """The query string, loaded with `schema` (400 invalid_request)."""
    schema = _instance(schema)

    def decorate(view):
        spec_of(view)["query"] = schema

        @wraps(view)
        def inner(*args, **kwargs):
            return view(*args, schema.load(request.args), **kwargs)

        return inner

    return decorate


def path(schema):
    """The URL's variables, loaded with `schema` (fields named as in the rule; 400 invalid_request):
    the view gets the loaded values as its keyword arguments."""
    schema = _instance(schema)

    def decorate(view):
        spec_of(view)["path"] = schema

        @wraps(view)
        def inner(*args, **kwargs):
            return view(*args, **{**kwargs, **schema.load(kwargs)})

        return inner

    return decorate


def header(name, description, pattern=None, check=None, refusal=None):
    """A required request header, documented; with `check`, a value it refuses is answered with
    `refusal`, a registered (status, code)."""
    if refusal is not None:
        _registered({refusal[0]: [refusal[1]]})

    def decorate(view):
        schema = {"type": "string"}
        if pattern:
            schema["pattern"] = pattern
        spec_of(view)["header"] = {"name": name, "in": "header", "required": True,
                                   "description": description, "schema": schema, "refusal": refusal}
        if check is None:
            return view

        @wraps(view)
        def inner(*args, **kwargs):
            if not check(request.headers.get(name)):
                raise APIError(*refusal)
            return view(*args, **kwargs)

        return inner

    return decorate


def response(schema, status=200, description=None, media_type=JSON):
    """The answer: what the view returns, dumped with `schema`, with `status`.

    A view may return a ready Response instead (a page serialised by hand, bytes); the schema
    still documents it. With `schema` None the answer is bytes of `media_type`, or for JSON any
    object.
    """
    schema = _instance(schema)

    def decorate(view):
        spec_of(view)["response"] = {"schema": schema, "status": status, "description": description,
                                     "media_type": media_type}

        @wraps(view)
        def inner(*args, **kwargs):
            out = view(*args, **kwargs)
            if isinstance(out, Response) or schema is None:
                return out
            return schema.dump(out), status

        return inner

    return decorate


def other_responses(refusals):
    """The refusals a route can answer besides those implied by its other declarations (rate
    limit, authentication, body, query, path): {status: code or [codes]}. Every code must be in
    the registry with that status; a mistake fails at import."""
    table = _registered(refusals)

    def decorate(view):
        spec_of(view)["refusals"] = table
        return view

    return decorate


def _registered(refusals):
    table = {}
    for status, codes in refusals.items():
        codes = [codes] if isinstance(codes, str) else list(codes)
        for code in codes:
            if code not in REGISTRY or status not in statuses(code):
                raise ValueError("%s is not registered with status %s (sync/refusals.json)" % (code, status))
        table[status] = codes
    return table


def implied_refusals(api):
    """{status: [codes]} a route can answer by its declarations alone, then its own refusals."""
    out = {429: ["rate_limited"]}
    auth = api.get("auth")
    if auth is not None:
        out[401] = ["unauthenticated"]
        out[403] = ["device_revoked"]
        if not auth["push_only_ok"]:
            out[403].append("push_only_token")
        if auth["roles"]:
            out[403].append("coordinator_only")
        if auth["certified"]:
            out[403].append("not_certified")
    if api.get("path") is not None or api.get("query") is not None:
        out.setdefault(400, []).append("invalid_request")
    if api.get("body", {}).get("media_type") == JSON:
        out.setdefault(400, []).extend(["invalid_json", "invalid_body", "invalid_request"])
        out[413] = ["body_too_large"]
        out[415] = ["unsupported_media_type", "unsupported_encoding"]
    if api.get("header", {}).get("refusal"):
        status, code = api["header"]["refusal"]
        out.setdefault(status, []).append(code)
    for status, codes in api.get("refusals", {}).items():
        out.setdefault(status, []).extend(codes)
    return {status: list(dict.fromkeys(codes)) for status, codes in sorted(out.items())}
