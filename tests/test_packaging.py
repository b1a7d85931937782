"""Zapis installs like a Python project: the wheel built from this checkout, installed into a new
venv, gives a `zapis` command that migrates a SQLite database, creates a workspace, prints a new
setup link and serves the PWA from the installed package; `zapis-client` runs; and the hashed locks
cover every pin of the requirements files.

To stay fast and offline, the new venv installs only the wheel (`--no-deps`) and sees the
dependencies of the venv running the tests through a .pth file; the wheel is built without build
isolation when this venv's setuptools is new enough (the locks install it)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from importlib.metadata import version

import pytest

from servers import ROOT, _die_with_parent, free_port

LOCKS = {"requirements.lock": ["requirements.txt", "requirements-redis.txt", "requirements-build.txt"],
         "requirements-test.lock": ["requirements-test.txt", "requirements-build.txt"]}
CLIENT = os.path.isdir(os.path.join(ROOT, "client"))
# What a copy of the checkout leaves out: nothing of it belongs in the package.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "node_modules", "instance", "__pycache__", "build",
                                    "*.egg-info", ".pytest_cache", ".hypothesis", ".schemathesis", "tests",
                                    "bench")


def _name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path):
    """{normalised name: pinned version} of a requirements file and the files it includes."""
    out = {}
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line.startswith("-r "):
                out.update(requirements(line[3:].strip()))
            elif line:
                m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", line)
                assert m, "%s: not a pin: %r" % (path, line)
                out[_name(m.group(1))] = m.group(3)
    return out


def lock(path):
    """{normalised name: (version, number of hashes)} of a lock file."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", entry)
        if m:
            out[_name(m.group(1))] = (m.group(2), len(re.findall(r"--hash=sha256:[0-9a-f]{64}", entry)))
    return out


@pytest.mark.parametrize("lock_file", sorted(LOCKS))
def test_the_locks_pin_every_requirement_with_its_hashes(lock_file):
    locked = lock(lock_file)
    assert len(locked) > 20, "a lock holds every transitive dependency"
    wanted = {}
    for source in LOCKS[lock_file]:
        wanted.update(requirements(source))
    for name, pin in sorted(wanted.items()):
        assert name in locked, "%s is not in %s: run scripts/lock" % (name, lock_file)
        assert locked[name][0] == pin, "%s: %s pins %s, %s has %s: run scripts/lock" % (
            name, lock_file, locked[name][0], "requirements", pin)
    unhashed = sorted(name for name, (_v, hashes) in locked.items() if not hashes)
    assert unhashed == [], "entries of %s without --hash=" % lock_file


def test_the_server_tested_is_the_server_deployed():
    """Every package both locks hold is pinned alike: the tests run what a deployment installs."""
    runtime, test = lock("requirements.lock"), lock("requirements-test.lock")
    assert set(runtime) <= set(test)
    assert {n: v for n, (v, _) in runtime.items()} == {n: test[n][0] for n in runtime}


def _run(args, **kwargs):
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A new venv holding the wheel built from this checkout."""
    base = tmp_path_factory.mktemp("packaging")
    source, wheels, venv = base / "source", base / "wheels", base / "venv"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
             "-w", wheels, source]
    if int(version("setuptools").split(".")[0]) >= 77:
        build.insert(4, "--no-build-isolation")
    _run(build)
    (wheel,) = wheels.glob("zapis-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
          "--disable-pip-version-check", "--no-deps", wheel])
    # The dependencies: this venv's, after the new venv's own site-packages (which hold Zapis).
    site = _run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    shared = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    with open(os.path.join(site.strip(), "zz_test_dependencies.pth"), "w", encoding="utf-8") as f:
        f.write("\n".join(shared) + "\n")
    # Nothing of the checkout or the test's own configuration: a server's environment only.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ZAPIS_", "DATABASE_URL", "PYTHON", "FLASK_", "GUNICORN_"))}
    env["ZAPIS_INSTANCE"] = str(base / "instance")
    return {"venv": venv, "wheel": wheel, "env": env, "cwd": base, "site": site.strip()}


def zapis(installed, *args, command="zapis", **env):
    return _run([installed["venv"] / "bin" / command, *args], cwd=installed["cwd"],
                env={**installed["env"], **env})


@pytest.mark.slow
def test_the_wheel_holds_the_server_the_pwa_the_migrations_and_the_registries(installed):
    with zipfile.ZipFile(installed["wheel"]) as whl:
        names = set(whl.namelist())
        meta = whl.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        scripts = whl.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    for path in ("server/pwa/templates/shell.html", "server/pwa/static/js/app.js",
                 "server/pwa/static/js/sw/sw.js", "server/migrations/alembic.ini", "server/migrations/env.py",
                 "sync/kinds.json", "sync/refusals.json", "server/gunicorn_conf.py", "server/wsgi.py"):
        assert path in names, path
    assert [n for n in names if n.startswith("server/migrations/versions/")]
    assert not [n for n in names if n.startswith(("tests/", "bench/")) or "__pycache__" in n]
    listed = {}
    for line in meta.splitlines():
        m = re.fullmatch(r"Requires-Dist: ([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", line)
        if m:
            listed[_name(m.group(1))] = m.group(3)
    assert listed == requirements("requirements.txt")
    redis = requirements("requirements-redis.txt")["redis"]
    assert 'Requires-Dist: redis==%s; extra == "redis"' % redis in meta
    assert "zapis = server.command:main" in scripts and "zapis-client = client.cli:main" in scripts


@pytest.mark.slow
def test_the_installed_zapis_migrates_creates_a_workspace_and_serves(installed):
    out = zapis(installed, "--help")
    for command in ("db", "create-workspace", "setup-link", "workspace-count", "prune-tombstones", "serve"):
        assert re.search(r"^  %s " % command, out, re.M), command

    # The installed package finds its own PWA, and keeps its data outside site-packages.
    where = _run([installed["venv"] / "bin" / "python", "-c",
                  "import server; print(server.pwa_folder()); print(server.instance_folder({}))"],
                 cwd=installed["cwd"], env=installed["env"]).split()
    assert where[0] == os.path.join(installed["site"], "server", "pwa")
    assert where[1] == os.path.join(str(installed["venv"]), "var", "zapis-instance")

    zapis(installed, "db", "upgrade")
    assert os.path.exists(os.path.join(installed["env"]["ZAPIS_INSTANCE"], "zapis.sqlite3"))
    out = zapis(installed, "create-workspace", ZAPIS_PUBLIC_URL="https://zapis.example.org")
    assert re.search(r"^Open on the first coordinator's device: https://zapis\.example\.org/setup#t=",
                     out, re.M)
    out = zapis(installed, "setup-link", "--url", "https://zapis.example.org")
    assert "https://zapis.example.org/setup#t=" in out
    assert zapis(installed, "workspace-count").strip() == "1"

    port = free_port()
    env = {**installed["env"], "ZAPIS_BIND": "127.0.0.1:%d" % port, "WEB_CONCURRENCY": "1"}
    proc = subprocess.Popen([installed["venv"] / "bin" / "zapis", "serve"], cwd=installed["cwd"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_die_with_parent)
    try:
        base = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "zapis serve did not answer"
                time.sleep(0.2)
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            assert b"/static/js/app.js" in r.read()
        with urllib.request.urlopen(base + "/static/js/app.js", timeout=10) as r:
            assert r.status == 200 and r.read()
        with urllib.request.urlopen(base + "/sw.js", timeout=10) as r:
            assert b"unbuilt" not in r.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        log = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert "Listening at: http://127.0.0.1:%d" % port in log


@pytest.mark.slow
@pytest.mark.skipif(not CLIENT, reason="client/ (the reference client's package) is not in this checkout yet")
def test_the_installed_zapis_client_runs(installed):
    assert "usage" in zapis(installed, "--help", command="zapis-client").lower()
