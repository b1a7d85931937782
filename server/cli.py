"""Kept for imports of `server.cli.new_workspace` (tests, benchmarks); the commands are in
server/command.py."""

from .store import new_workspace

__all__ = ["new_workspace"]
