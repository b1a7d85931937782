"""Every API route declares its contract once (server/declare.py), and the OpenAPI document is
built from those declarations: nothing about a route is restated in a docstring."""

import ast
import inspect
import re
import textwrap
import types

import pytest
from marshmallow import Schema, fields

from server.declare import declared, implied_refusals, other_responses
from sync.refusals import REGISTRY, statuses


def api_routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


@pytest.fixture
def flask_app(make_app):
    return make_app()


def test_every_api_route_has_declared_metadata(flask_app):
    routes = api_routes(flask_app)
    assert len(routes) >= 20
    for rule in routes:
        view = flask_app.view_functions[rule.endpoint]
        api = declared(view)
        assert api is not None and "response" in api, "%s declares no response" % rule.endpoint
        doc = inspect.getdoc(view)
        assert doc and "---" not in doc, "%s: a human docstring, no YAML" % rule.endpoint


def test_every_route_is_in_the_document_with_what_it_declares(flask_app):
    doc = flask_app.test_client().get("/api/openapi.json").get_json()
    for rule in api_routes(flask_app):
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        api = declared(flask_app.view_functions[rule.endpoint])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = doc["paths"][path][method.lower()]
            assert op["summary"]
            assert ("security" in op) == ("auth" in api)
            assert ("requestBody" in op) == ("body" in api)
            for status, codes in implied_refusals(api).items():
                assert op["responses"][str(status)]["x-codes"] == codes
            assert str(api["response"]["status"]) in op["responses"]


def test_every_listed_code_is_registered_with_its_status(client):
    doc = client.get("/api/openapi.json").get_json()
    listed = 0
    for operations in doc["paths"].values():
        for op in operations.values():
            for status, response in op["responses"].items():
                for code in response.get("x-codes", []):
                    listed += 1
                    assert code in REGISTRY and int(status) in statuses(code), (code, status)
                    assert "`%s`" % code in response["description"]
    assert listed > 100


def raised_refusals(fn, seen):
    """Every APIError(status, "code") written in `fn`'s body or in a function of the server's
    own that it calls (by name, or as module.name, resolved in its module), followed to any depth:
    {(status, code, where)}. A decorator's refusals depend on its arguments and are declared by
    the route (implied_refusals), so decorators are not followed."""
    if fn in seen:
        return set()
    seen.add(fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    top = tree.body[0]
    if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
        top.decorator_list = []
    found = set()
    names = fn.__globals__
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f, target = node.func, None
        if isinstance(f, ast.Name) and f.id == "APIError":
            status, code = node.args[:2]
            found.add((status.value, code.value, "%s.%s" % (fn.__module__, fn.__qualname__)))
            continue
        if isinstance(f, ast.Name):
            target = names.get(f.id)
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and isinstance(names.get(f.value.id), types.ModuleType):
            target = getattr(names[f.value.id], f.attr, None)
        if isinstance(target, types.FunctionType) and target.__module__.startswith("server."):
            found |= raised_refusals(target, seen)
    return found


def test_a_code_a_view_or_what_it_calls_raises_is_listed_for_its_route(flask_app):
    """The refusals written in a view's body, and in the store functions it calls (at any depth),
    are documented for that route: a second client reads them from the OpenAPI document."""
    checked, where = 0, set()
    for rule in api_routes(flask_app):
        view = flask_app.view_functions[rule.endpoint]
        api = declared(view)
        while hasattr(view, "__wrapped__"):
            view = view.__wrapped__
        listed = implied_refusals(api)
        for status, code, origin in raised_refusals(view, set()):
            checked += 1
            where.add(origin.rsplit(".", 1)[0])
            assert code in listed.get(status, []), "%s can raise %s %s (in %s) and does not declare it" % (
                rule.endpoint, status, code, origin)
    assert checked >= 50
    assert {"server.store.attachments", "server.store.directory", "server.store.records"} <= where


def test_the_refusal_walk_reaches_the_store(flask_app):
    """The walk above is not vacuous: a chunk's upload can be refused by the store, two calls down."""
    view = flask_app.view_functions["attachments.put_chunk"]
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    found = {(status, code): origin for status, code, origin in raised_refusals(view, set())}
    assert found[(409, "chunk_conflict")].startswith("server.store.attachments.")
    assert found[(413, "attachment_quota")].startswith("server.store.attachments.")


def test_an_unregistered_refusal_fails_at_declaration():
    with pytest.raises(ValueError):
        other_responses({404: "no_such_code"})
    with pytest.raises(ValueError):
        other_responses({400: "device_unknown"})   # registered, but as a 404


def test_the_body_decorator_loads_and_refuses_as_before(flask_app):
    from flask import Blueprint

    from server.declare import body, response

    class Thing(Schema):
        n = fields.Integer(required=True, strict=True)

    bp = Blueprint("probe", __name__)

    @bp.post("/probe")
    @body(Thing)
    @response(Thing, 201)
    def probe(data):
        """A probe."""
        return {"n": data["n"] + 1}

    flask_app.register_blueprint(bp)
    client = flask_app.test_client()
    ok = client.post("/probe", json={"n": 1})
    assert ok.status_code == 201 and ok.get_json() == {"n": 2}
    cases = [({"json": {"n": "1"}}, 400, "invalid_request"), ({"json": [1]}, 400, "invalid_request"),
             ({"data": "{", "content_type": "application/json"}, 400, "invalid_json"),
             ({"data": "n=1", "content_type": "text/plain"}, 415, "unsupported_media_type")]
    for kwargs, status, code in cases:
        answer = client.post("/probe", **kwargs)
        assert (answer.status_code, answer.get_json()["error"]["code"]) == (status, code)
