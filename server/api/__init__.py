"""The JSON API, one blueprint per resource, all under /api."""

from . import attachments, devices, docs, enrollment, invites, records, sync

BLUEPRINTS = (enrollment.bp, invites.bp, devices.bp, sync.bp, records.bp, attachments.bp, docs.bp)


def register(app):
    """Mount every API blueprint on the app."""
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
