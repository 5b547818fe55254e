"""`python -m bot [--sync]`: the Discord bot with the settings from the environment / .env.

It is `factbot run [--sync]` under another name: one command parses the arguments and starts
the bot, so the two ways to start it cannot drift apart. Errors print as `factbot run` prints
them: one `Error:` line.
"""

from __future__ import annotations

import sys

import click

from factbot.cli import cli


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(["run", *args], prog_name="python -m bot", standalone_mode=False)
    except click.ClickException as error:
        error.show()  # as `factbot run` shows it: "Error: ..." (a usage error with its usage)
        return error.exit_code
    except click.exceptions.Exit as done:  # --help
        return done.exit_code
    except click.Abort:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
