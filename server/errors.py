"""The one error envelope: {"error": {"code", "message", "details"?}} with a stable code.

Codes are for programs to switch on; messages are for people and say what to do next.
"""

from flask import current_app, jsonify
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from sync.refusals import message as registered_message

from .extensions import db, retry_after


class APIError(Exception):
    """An error a client can show: HTTP status, stable code, readable message.

    Every code is in sync/refusals.json; without a message, the registry's is used.
    """

    def __init__(self, status, code, message=None, details=None):
        if message is None:
            message = registered_message(code)
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


# Messages for HTTP errors raised by Flask or Werkzeug themselves.
_HTTP = {status: (code, registered_message(code)) for status, code in (
    (400, "bad_request"), (401, "unauthenticated"), (403, "forbidden"), (404, "not_found"),
    (405, "method_not_allowed"), (413, "body_too_large"), (415, "unsupported_media_type"),
    (429, "rate_limited"))}


def envelope(status, code, message, details=None):
    """A JSON error response."""
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    return response


def register(app):
    """Install the handlers that turn every failure into the one envelope."""

    @app.errorhandler(APIError)
    def api_error(exc):
        return envelope(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(ValidationError)
    def validation_error(exc):
        return envelope(400, "invalid_request", registered_message("invalid_request"), exc.messages)

    @app.errorhandler(IntegrityError)
    def integrity_error(exc):
        # Only a race between two requests creating the same thing gets here.
        db.session.rollback()
        return envelope(409, "conflict", registered_message("conflict"))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        code, message = _HTTP.get(exc.code, ("http_%d" % exc.code, exc.description or exc.name))
        response = envelope(exc.code, code, message)
        for header in ("Retry-After", "Allow"):
            value = exc.get_response().headers.get(header)
            if value:
                response.headers[header] = value
        if exc.code == 429 and "Retry-After" not in response.headers:
            # Both clients wait this long before trying again.
            response.headers["Retry-After"] = str(retry_after())
        return response

    @app.errorhandler(Exception)
    def internal_error(exc):
        db.session.rollback()
        # The traceback names code lines only; request bodies (ciphertext) are never logged.
        current_app.logger.exception("unhandled %s", type(exc).__name__)
        return envelope(500, "internal_error", registered_message("internal_error"))
