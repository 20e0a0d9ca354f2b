"""Allow ``python -m ismpanel``."""

from ismpanel.cli.app import main

main()
