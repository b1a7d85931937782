"""Server commands: `flask create-workspace`, `flask prune-tombstones`."""

from datetime import UTC, datetime, timedelta

import click
from flask import current_app

from . import store
from .store import new_workspace

__all__ = ["new_workspace", "register"]   # new_workspace: tests and benchmarks import it from here


def register(app):
    """Add the commands to the app's CLI."""

    @app.cli.command("create-workspace")
    @click.option("--url", default=None,
                  help="Where people reach the app, for the setup link (default: ZAPIS_PUBLIC_URL, "
                       "else http://127.0.0.1:8000).")
    def create_workspace(url):
        """Create a workspace and print its one-time setup link for the first coordinator."""
        url = url or current_app.config["ZAPIS_PUBLIC_URL"] or "http://127.0.0.1:8000"
        ws, token = new_workspace()
        click.echo("Workspace %s created." % ws.id)
        click.echo("Setup token (shown once): %s" % token)
        # The token travels in the fragment, which browsers never send to the server.
        click.echo("Open on the first coordinator's device: %s/setup#t=%s&w=%s" % (url.rstrip("/"),
                                                                                   token, ws.id))

    @app.cli.command("workspace-count")
    def workspace_count():
        """Print how many workspaces exist (the run script makes one on first start)."""
        click.echo(store.workspace_count())

    @app.cli.command("prune-tombstones")
    @click.option("--days", type=int, default=None, help="Keep tombstones younger than this.")
    def prune_tombstones(days):
        """Drop tombstones older than the horizon; devices behind it will pull afresh."""
        days = current_app.config["ZAPIS_TOMBSTONE_DAYS"] if days is None else days
        cutoff = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
        click.echo("Dropped %d tombstones." % store.prune_tombstones(cutoff))
