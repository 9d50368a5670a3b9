"""``python -m consolidate``: the same command as ``consolidate``."""

from consolidate.cli import main

main()
