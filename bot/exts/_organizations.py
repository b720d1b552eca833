"""Organisation names in options: autocomplete choices within Discord's 100 characters, and back."""

from __future__ import annotations

import logging

from discord import app_commands

from bot._kb import KnowledgeBase
from bot._threads import run_blocking
from bot.limits import CHOICE_MAX, CHOICES_MAX
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

#: A name longer than :data:`CHOICE_MAX` is offered as its start, "…" and its last characters.
NAME_TAIL = 30
ELLIPSIS = "…"


def short_name(name: str) -> str:
    """``name`` as an autocomplete choice (at most :data:`CHOICE_MAX` characters): a long name keeps
    its start and its end around "…", so names that differ only at the end stay apart."""
    if len(name) <= CHOICE_MAX:
        return name
    head = name[: CHOICE_MAX - len(ELLIPSIS) - NAME_TAIL].rstrip()
    return f"{head}{ELLIPSIS}{name[-NAME_TAIL:].lstrip()}"


def full_name(value: str, names: list[str]) -> str:
    """The organisation a chosen (possibly shortened) autocomplete value stands for; ``value``
    itself when it is a whole name or stands for no single name."""
    if value in names:
        return value
    matches = [name for name in names if len(name) > CHOICE_MAX and short_name(name) == value]
    return matches[0] if len(matches) == 1 else value


def clean(organization: str | None) -> str | None:
    """An option's organisation trimmed; None when blank."""
    return (organization or "").strip() or None


async def expand(kb: KnowledgeBase, organization: str | None) -> str | None:
    """The full name behind a shortened autocomplete choice (one knowledge-base call, only then)."""
    if organization is not None and ELLIPSIS in organization:
        names = await run_blocking(kb.organizations)
        return full_name(organization, names)
    return organization


async def organization_choices(kb: KnowledgeBase, current: str) -> list[app_commands.Choice[str]]:
    """Organisations the index knows whose name contains what has been typed so far, names that
    start with it first; a name over 100 characters is offered shortened (:func:`short_name`)."""
    try:
        names = await run_blocking(kb.organizations)
    except KnowledgeError:
        log.warning("Could not list organisations for autocomplete", exc_info=True)
        return []
    needle = current.strip().casefold()
    matches = sorted(
        (name for name in names if name and needle in name.casefold()),
        key=lambda name: (not name.casefold().startswith(needle), name.casefold()),
    )
    return [app_commands.Choice(name=short_name(name), value=short_name(name)) for name in matches[:CHOICES_MAX]]
