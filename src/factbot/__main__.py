"""`python -m factbot` runs the CLI, for environments without the console script on PATH."""

from factbot.cli import main

main()
