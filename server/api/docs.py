"""The OpenAPI 3 document, built from the views' docstrings and the marshmallow schemas."""

from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app

from ..schemas import ErrorSchema, WriteSchema

bp = Blueprint("docs", __name__, url_prefix="/api")


def build_spec(app):
    """Collect every documented view of the app into an OpenAPI 3 document (a dict)."""
    spec = APISpec(title="Zapis sync API", version="1", openapi_version="3.0.3",
                   info={"description": "Server-blind sync for end-to-end encrypted records. "
                                        "See docs/protocol.md for the envelopes."},
                   plugins=[FlaskPlugin(), MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("Write", schema=WriteSchema)  # referenced by Change.writes
    spec.components.response("Error", {"description": "An error, in the one envelope.",
                                        "content": {"application/json": {"schema": "Error"}}})
    with app.test_request_context():
        for _endpoint, view in sorted(app.view_functions.items()):
            if view.__doc__ and "---" in view.__doc__:
                spec.path(view=view, app=app)
    doc = spec.to_dict()
    error = {"$ref": "#/components/responses/Error"}
    for operations in doc["paths"].values():
        for op in operations.values():
            responses = op.setdefault("responses", {})
            # The errors every operation of a kind can answer are added here, not repeated in
            # each docstring: any request may be rate-limited; authenticated ones may be refused;
            # ones with a body or a query may be malformed, too large or of the wrong type.
            implied = ["429"]
            if op.get("security"):
                implied += ["401", "403"]
            if "requestBody" in op:
                implied += ["400", "413", "415"]
            if any(p.get("in") == "query" for p in op.get("parameters", [])):
                implied += ["400"]
            for status in implied:
                responses.setdefault(status, error)
            for status, response in responses.items():
                if "$ref" not in response:
                    response.setdefault("description", HTTPStatus(int(status)).phrase)
    return doc


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI document of this API."""
    doc = current_app.extensions.get("zapis_openapi")
    if doc is None:
        doc = current_app.extensions["zapis_openapi"] = build_spec(current_app)
    return doc
