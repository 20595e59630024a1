"""``python -m defpact`` runs the CLI."""

from defpact.cli import main

main()
