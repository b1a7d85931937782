"""The OpenAPI 3 document, built from what each route declares (server/declare.py), its
docstring and the marshmallow schemas: nothing about a route is written twice.

A view's docstring gives the operation's summary (its first paragraph) and description (the
rest); its blueprint gives the tag; the refusals a route can answer are listed with the
registry's messages (sync/refusals.json).
"""

import inspect
import re
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app

from sync.refusals import message

from ..declare import JSON, declared, implied_refusals, response
from ..schemas import ErrorSchema, WriteSchema

bp = Blueprint("docs", __name__, url_prefix="/api")
BINARY = {"type": "string", "format": "binary"}


def _item2properties(self, field, **kwargs):
    """A field whose metadata names a `schema` (a list item loaded by hand, one at a time) is
    documented as that schema."""
    schema = field.metadata.get("schema")
    return self.resolve_nested_schema(schema) if schema is not None else {}


def _text(doc):
    """(summary, description) from a docstring: its first paragraph, then the others."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", inspect.cleandoc(doc or "")) if p.strip()]
    return (paragraphs[0] if paragraphs else ""), "\n\n".join(paragraphs[1:])


def _openapi_path(rule):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _refusal(codes):
    lines = ["`%s`: %s" % (code, message(code)) for code in codes]
    return {"description": "The error envelope, with one of these codes:\n\n- " + "\n- ".join(lines),
            "content": {JSON: {"schema": "Error"}}, "x-codes": codes}


def _operation(rule, view, api):
    summary, description = _text(view.__doc__)
    op = {"tags": [rule.endpoint.split(".")[0]], "summary": summary}
    if description:
        op["description"] = description
    if api.get("auth") is not None:
        op["security"] = [{"bearer": []}]
    parameters = []
    if api.get("header"):
        parameters.append({k: v for k, v in api["header"].items() if k != "refusal"})
    if api.get("path") is not None:
        parameters.append({"in": "path", "schema": api["path"]})
    else:
        parameters += [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                       for name in re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)]
    if api.get("query") is not None:
        parameters.append({"in": "query", "schema": api["query"]})
    if parameters:
        op["parameters"] = parameters
    if api.get("body"):
        declared_body = api["body"]
        schema = declared_body["schema"] or BINARY
        op["requestBody"] = {"required": True, "content": {declared_body["media_type"]: {"schema": schema}}}
        if declared_body.get("description"):
            op["requestBody"]["description"] = declared_body["description"]
    answer = api["response"]
    schema = answer["schema"]
    if schema is None:
        schema = {"type": "object"} if answer["media_type"] == JSON else BINARY
    op["responses"] = {str(answer["status"]): {
        "description": answer["description"] or HTTPStatus(answer["status"]).phrase,
        "content": {answer["media_type"]: {"schema": schema}}}}
    for status, codes in implied_refusals(api).items():
        op["responses"][str(status)] = _refusal(codes)
    return op


def build_spec(app):
    """Every declared route of the app under /api, as an OpenAPI 3 document (a dict)."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Zapis sync API", version="1", openapi_version="3.0.3",
                   info={"description": "Server-blind sync for end-to-end encrypted records. "
                                        "See docs/protocol.md for the envelopes and the refusal codes."},
                   plugins=[plugin])
    plugin.converter.add_attribute_function(_item2properties)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("Write", schema=WriteSchema)  # referenced by Change.writes
    spec.components.response("Error", {"description": "An error, in the one envelope.",
                                        "content": {JSON: {"schema": "Error"}}})
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        api = declared(app.view_functions[rule.endpoint])
        if not rule.rule.startswith("/api/") or api is None:
            continue
        operations = paths.setdefault(_openapi_path(rule), {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(rule, app.view_functions[rule.endpoint], api)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    doc = spec.to_dict()
    for operations in doc["paths"].values():
        for op in operations.values():
            for parameter in op.get("parameters", []):
                # A query or path value is text and never null: a field loaded as None when absent
                # is simply optional.
                schema = parameter["schema"]
                if schema.get("default", 0) is None:
                    del schema["default"]
                    schema.pop("nullable", None)
    return doc


@bp.get("/openapi.json")
@response(None, description="This document: OpenAPI 3.0.")
def openapi():
    """The OpenAPI document of this API, built from what each route declares."""
    doc = current_app.extensions.get("zapis_openapi")
    if doc is None:
        doc = current_app.extensions["zapis_openapi"] = build_spec(current_app)
    return doc
