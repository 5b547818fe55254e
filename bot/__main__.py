"""`python -m bot [--sync]`: start the Discord bot with the settings from the environment / .env."""

from __future__ import annotations

import argparse
import sys

from factbot.errors import FactbotError
from factbot.settings import load_settings

from .app import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run factbot on Discord (needs DISCORD_TOKEN; see docs/discord.md).",
    )
    parser.add_argument(
        "--sync",
        action="store_true",
        help="register the slash commands before connecting (in DISCORD_GUILD_ID when set, else globally)",
    )
    args = parser.parse_args(argv)
    try:
        run(load_settings(), sync=args.sync)
    except FactbotError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
