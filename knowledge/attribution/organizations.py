"""Organisation names and the aliases a text may use for them."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.attribution.vocabulary import COMMON_WORDS, GENERIC_SUFFIXES


def organization_aliases(name: str) -> list[str]:
    """Names a text may use for ``name``: itself, without a corporate suffix or ``.com``, and its
    first word when that word is distinctive (``Harborline Market`` → ``Harborline``).

    Returns:
        Distinct aliases, longest first.
    """
    aliases = {name.strip()}
    base = name.strip()
    while True:
        stripped = GENERIC_SUFFIXES.sub("", base).strip(" ,")
        if stripped == base or not stripped:
            break
        base = stripped
        aliases.add(base)
    first = base.split()[0] if base.split() else ""
    if len(first) >= 4 and first.lower() not in COMMON_WORDS:
        aliases.add(first)
    aliases |= {a + ".com" for a in list(aliases) if " " not in a}
    return sorted(aliases, key=len, reverse=True)


def canonical_organization(name: str, known: Sequence[str]) -> str | None:
    """Return the known organisation that ``name`` is, or an alias of (case-insensitive), else None."""
    folded = name.casefold().strip()
    for org in known:
        if folded in (a.casefold() for a in organization_aliases(org)):
            return org
    return None
