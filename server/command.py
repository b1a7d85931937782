"""The `zapis` command: the server's commands, run with the server's environment.

    zapis db upgrade                    migrate the database (Alembic, through Flask-Migrate)
    zapis create-workspace [--url URL]  a new workspace and its one-time setup link
    zapis setup-link [--workspace ID]   a new setup link for a workspace with no coordinator yet
    zapis workspace-count               how many workspaces exist
    zapis prune-tombstones [--days N]   drop tombstones older than the horizon
    zapis serve                         gunicorn with the project's settings (server/gunicorn_conf.py)

The configuration is the environment (`server/config.py`: DATABASE_URL, ZAPIS_INSTANCE,
ZAPIS_PUBLIC_URL, ...). The same commands are on the app's Flask CLI (`register`), where the tests
call them. `python -m server` is `zapis` too.
"""

import sys
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_migrate.cli import db as db_commands
from sqlalchemy.exc import OperationalError

from . import store

DEFAULT_URL = "http://127.0.0.1:8000"


def _public_url(url):
    return (url or current_app.config["ZAPIS_PUBLIC_URL"] or DEFAULT_URL).rstrip("/")


def _echo_setup_link(workspace_id, token, url):
    click.echo("Setup token (shown once): %s" % token)
    # The token travels in the fragment, which browsers never send to the server.
    click.echo("Open on the first coordinator's device: %s/setup#t=%s&w=%s" % (url, token, workspace_id))


URL_OPTION = click.option(
    "--url", default=None,
    help="Where people reach the app, for the setup link (default: ZAPIS_PUBLIC_URL, else %s)." % DEFAULT_URL)


@click.command("create-workspace")
@URL_OPTION
@with_appcontext
def create_workspace(url):
    """Create a workspace and print its one-time setup link for the first coordinator."""
    url = _public_url(url)
    ws, token = store.new_workspace()
    click.echo("Workspace %s created." % ws.id)
    _echo_setup_link(ws.id, token, url)


@click.command("setup-link")
@click.option("--workspace", "workspace_id", default=None,
              help="The workspace (needed only when there are several).")
@URL_OPTION
@with_appcontext
def setup_link(workspace_id, url):
    """Print a new one-time setup link for a workspace that has no coordinator yet.

    The previous link stops working. Once the first coordinator exists there is no setup link any
    more: coordinators invite everyone else from their device.
    """
    url = _public_url(url)
    if workspace_id is None:
        every = store.workspaces()
        if not every:
            raise click.ClickException("There is no workspace yet: `zapis create-workspace` makes one.")
        if len(every) > 1:
            waiting = [ws.id for ws in every if ws.fingerprint is None]
            raise click.ClickException(
                "There are %d workspaces: name one with --workspace (without a coordinator yet: %s)."
                % (len(every), ", ".join(waiting) or "none"))
        workspace_id = every[0].id
    elif store.get_workspace(workspace_id) is None:
        raise click.ClickException("There is no workspace %s." % workspace_id)
    token = store.renew_setup_token(workspace_id)
    if token is None:
        raise click.ClickException(
            "Workspace %s already has its first coordinator, so it has no setup link: a coordinator "
            "invites people from their device (Devices, Invite)." % workspace_id)
    click.echo("Workspace %s: a new setup link (any earlier one no longer works)." % workspace_id)
    _echo_setup_link(workspace_id, token, url)


@click.command("workspace-count")
@with_appcontext
def workspace_count():
    """Print how many workspaces exist (the run script makes one on first start)."""
    click.echo(store.workspace_count())


@click.command("prune-tombstones")
@click.option("--days", type=int, default=None,
              help="Keep tombstones younger than this (default: ZAPIS_TOMBSTONE_DAYS).")
@with_appcontext
def prune_tombstones(days):
    """Drop tombstones older than the horizon; devices behind it will pull afresh."""
    days = current_app.config["ZAPIS_TOMBSTONE_DAYS"] if days is None else days
    cutoff = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
    click.echo("Dropped %d tombstones." % store.prune_tombstones(cutoff))


APP_COMMANDS = (create_workspace, setup_link, workspace_count, prune_tombstones)


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(gunicorn_args):
    """Serve the app under gunicorn, on ZAPIS_BIND (default 127.0.0.1:8000).

    The settings are server/gunicorn_conf.py's (WEB_CONCURRENCY, ZAPIS_ACCESS_LOG, ZAPIS_ERROR_LOG,
    ZAPIS_FORWARDED_ALLOW_IPS); further gunicorn options may follow, or come in GUNICORN_CMD_ARGS.
    """
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = ["zapis serve", "-c", "python:server.gunicorn_conf", *gunicorn_args, "server.wsgi:app"]
    WSGIApplication("%(prog)s [gunicorn options]").run()


def register(app):
    """Add the commands to the app's Flask CLI (`flask --app server ...`, and the tests' runner)."""
    for command in APP_COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from . import create_app

    return create_app()


@click.group("zapis", context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def zapis(ctx):
    """Zapis server commands. The configuration is the environment: DATABASE_URL (default: SQLite in
    the instance folder, ZAPIS_INSTANCE), ZAPIS_PUBLIC_URL, ZAPIS_BIND and the rest (README.md,
    Configuration)."""
    # Commands that need the app build it when they run (Flask's with_appcontext), so `--help`
    # and `serve` touch no database. (A caller may pass its own ScriptInfo: the tests do.)
    if ctx.obj is None:
        ctx.obj = ScriptInfo(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False)


for _command in (db_commands, *APP_COMMANDS, serve):
    zapis.add_command(_command)


def main(argv=None):
    """The console script `zapis`."""
    try:
        zapis.main(args=argv, prog_name="zapis")
    except OperationalError as e:
        # One line a person can act on instead of a traceback (the URL's password is not in it).
        reason = str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e).splitlines()[0]
        sys.exit("zapis: the database cannot be used (DATABASE_URL): %s" % reason)


if __name__ == "__main__":
    main()
