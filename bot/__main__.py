"""``python -m bot``: load settings, configure logging, serve."""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from bot.app import serve
from knowledge.settings import load_settings


def main() -> int:
    """Entry point; returns the exit status."""
    try:
        settings = load_settings()
    except ValidationError as error:
        print(f"invalid settings in the environment or .env:\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log.level,
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
    )
    return serve(settings)


if __name__ == "__main__":
    raise SystemExit(main())
