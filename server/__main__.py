"""`python -m server` is the `zapis` command (server/command.py)."""

from .command import main

main()
