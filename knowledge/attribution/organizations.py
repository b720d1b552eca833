"""Organisation names and the aliases a text may use for them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from knowledge.attribution.vocabulary import (
    COMMON_WORDS,
    GENERIC_PREFIXES,
    GENERIC_SUFFIXES,
)

#: Soft hyphen, zero-width characters and the byte-order mark: ignored when names are compared.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u2032"})
#: Letters a name may carry accents on, and the accented forms a text may use for them.
_ACCENTED = {"a": "àáâãäåā", "c": "çćč", "e": "èéêëēę", "i": "ìíîïī", "n": "ñń", "o": "òóôõöøō", "s": "śšş",
             "u": "ùúûüū", "y": "ýÿ", "z": "źżž"}


#: Words that say what legal form a company has, not which company it is.
_CORPORATE_FORMS = frozenset("inc corp corporation ltd limited llc plc group holdings co company".split())


def name_key(name: str) -> str:
    """A name as names are compared: NFC, invisible characters dropped, apostrophes straight, accents
    removed, case folded ("Société O’Hara" and "societe o'hara" have one key)."""
    text = unicodedata.normalize("NFC", name).translate(_INVISIBLE).translate(_APOSTROPHES)
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def loose_pattern(alias: str) -> str:
    """A regular expression for ``alias`` in running text: case as written, accents optional, either
    apostrophe ("Societe" finds "Société"). Soft hyphens and zero-width characters are not matched:
    the extractor reads text without them."""
    parts = []
    for ch in unicodedata.normalize("NFC", alias).translate(_INVISIBLE):
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)) or ch
        lower = base.lower()
        if ch in "'’ʼ":
            parts.append("[’'ʼ]")
        elif lower in _ACCENTED:
            variants = _ACCENTED[lower] if base.islower() else _ACCENTED[lower].upper()
            parts.append(f"[{base}{variants}]")
        elif ch.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


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
    words = base.split()
    while len(words) > 1 and name_key(words[0]) in GENERIC_PREFIXES:
        words = words[1:]  # "Société Oriflamme" is also "Oriflamme"
        aliases.add(" ".join(words))
    first = words[0] if words else ""
    if (len(first) >= 4 or (len(first) >= 2 and first.isupper())) and first.lower() not in COMMON_WORDS \
            and name_key(first) not in GENERIC_PREFIXES:
        aliases.add(first)  # "Harborline", "MGM"
    significant = [w for w in name.split() if w[:1].isupper() and name_key(w) not in GENERIC_PREFIXES
                   and name_key(w).rstrip(".") not in _CORPORATE_FORMS]
    if 2 <= len(significant) <= 3 and all(w.isalpha() for w in significant) and not first.isupper():
        aliases.add("".join(w[0] for w in significant).upper())  # "British Airways" is also "BA"
    aliases |= {a + ".com" for a in list(aliases) if " " not in a and not a.isupper()}
    return sorted(aliases, key=len, reverse=True)


def canonical_organization(name: str, known: Sequence[str]) -> str | None:
    """Return the known organisation that ``name`` is, or an alias of (case-insensitive), else None."""
    folded = name_key(name)
    for org in known:
        if folded in (name_key(a) for a in organization_aliases(org)):
            return org
    return None
