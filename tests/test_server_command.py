"""The `zapis` command (server/command.py): a lost setup link can be printed again while the
workspace has no coordinator, and never after; one clear line when something is wrong."""

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from server.command import zapis
from servers import ROOT
from support import Client, FlaskTransport

LINK = re.compile(r"(\S+)/setup#t=([\w-]+)&w=([\w-]+)")


def run(app, *args):
    """`zapis <args>` on the test's app; (exit code, output)."""
    result = CliRunner().invoke(zapis, list(args), obj=ScriptInfo(create_app=lambda: app))
    return result.exit_code, result.output


def test_a_new_setup_link_replaces_the_lost_one_until_the_first_coordinator_exists(make_app):
    app = make_app(ZAPIS_PUBLIC_URL="https://zapis.example.org")
    code, out = run(app, "setup-link")
    assert code == 1 and "There is no workspace yet: `zapis create-workspace` makes one." in out

    code, out = run(app, "create-workspace")
    assert code == 0
    url, lost, workspace = LINK.search(out).groups()
    assert url == "https://zapis.example.org"

    code, out = run(app, "setup-link", "--url", "https://other.example/")
    assert code == 0 and "any earlier one no longer works" in out
    url, token, again = LINK.search(out).groups()
    assert (url, again) == ("https://other.example", workspace) and token != lost

    transport = FlaskTransport(app.test_client())
    with pytest.raises(Exception, match="setup_token_unknown|404"):
        Client.bootstrap(transport, lost, workspace)
    Client.bootstrap(transport, token, workspace)

    code, out = run(app, "setup-link")
    assert code == 1
    assert ("Workspace %s already has its first coordinator, so it has no setup link" % workspace) in out
    assert len(out.strip().splitlines()) == 1
    with pytest.raises(Exception, match="setup_token_unknown|404"):
        Client.bootstrap(transport, token, workspace)


def test_with_several_workspaces_the_setup_link_names_one(make_app):
    app = make_app()
    first = LINK.search(run(app, "create-workspace")[1]).group(3)
    second = LINK.search(run(app, "create-workspace")[1]).group(3)
    code, out = run(app, "setup-link")
    assert code == 1 and "There are 2 workspaces: name one with --workspace" in out
    assert first in out and second in out
    code, out = run(app, "setup-link", "--workspace", second)
    assert code == 0 and LINK.search(out).group(3) == second
    code, out = run(app, "setup-link", "--workspace", "no-such-workspace")
    assert code == 1 and "There is no workspace no-such-workspace." in out


def test_the_flask_cli_has_the_same_commands(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    assert "created" in runner.invoke(args=["create-workspace"]).output
    assert runner.invoke(args=["workspace-count"]).output.strip() == "1"
    assert "Dropped 0 tombstones." in runner.invoke(args=["prune-tombstones"]).output
    assert "new setup link" in runner.invoke(args=["setup-link"]).output


def test_help_and_an_unreachable_database_touch_nothing_and_say_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ZAPIS_INSTANCE": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "server", "--help"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("db", "create-workspace", "setup-link", "workspace-count", "prune-tombstones", "serve"):
        assert re.search(r"^  %s " % command, out.stdout, re.M), command
    assert list(tmp_path.iterdir()) == []  # --help built no app: no database, no secret

    bad = {**env, "DATABASE_URL": "postgresql://nobody:secret-password@127.0.0.1:1/none"}
    out = subprocess.run([sys.executable, "-m", "server", "workspace-count"], cwd=ROOT, env=bad,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith("zapis: the database cannot be used (DATABASE_URL): ")
    assert len(out.stderr.strip().splitlines()) == 1 and "secret-password" not in out.stderr
