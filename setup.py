"""What goes into the package; everything else about it is in pyproject.toml.

The server's packages are found (server*, sync*, client*), with the migrations. The PWA's files
(pwa/, beside server/ in the repository) are shipped as package data of `server.pwa`, where an
installed server finds them (server.pwa_folder); Alembic's files and the protocol's JSON
registries are package data too. tests/test_packaging.py builds the wheel and runs its commands.
"""

from setuptools import find_namespace_packages, setup

setup(
    # Namespace packages too: sync/ and server/migrations/ have no __init__.py.
    packages=find_namespace_packages(include=["server", "server.*", "sync", "sync.*", "client", "client.*"],
                                     exclude=["*.__pycache__"]) + ["server.pwa"],
    package_dir={"server.pwa": "pwa"},
    package_data={
        "server.migrations": ["README", "alembic.ini", "script.py.mako"],
        "server.pwa": ["static/**/*", "templates/*"],
        "sync": ["*.json"],
    },
    include_package_data=False,
)
