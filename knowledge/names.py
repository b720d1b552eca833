"""Organisation names as people type them: matching a question or ``--org`` to the index's names.

People type names with straight or curly apostrophes (O’Hara, O'Hara), with or without accents
(Société, Societe), pasted with soft hyphens or zero-width characters, misspelt ("Fenwik") or
re-spaced ("Fen Wick"). Matching compares a *match form* of both sides: NFC, invisible characters
dropped, apostrophes made straight, accents removed, case folded. The stored text is never changed.

An :class:`OrganizationIndex` is built once per list of known organisations (:func:`organization_index`
caches it, so a new organisation in the index builds a new one): a table of every alias, looked up
with the question's word spans, instead of a pattern per alias per question.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from knowledge.attribution import organization_aliases

#: Soft hyphen, zero-width space/joiners, word joiner, byte-order mark: ignored in matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u2032\u00b4`"})
#: Legal forms that come first in a name and that people leave out (in match form).
LEADING_FORMS = frozenset({"societe", "groupe", "grupo", "gruppo", "compagnie", "compania", "banco", "banca",
                           "stichting", "fundacion", "fondation", "the"})
#: How similar (0-100) a typed name must be to a known one to be offered as "did you mean".
SUGGEST_MIN = 80


def match_form(text: str) -> str:
    """``text`` as names are compared: NFC, invisible characters dropped, apostrophes straight,
    accents removed, case folded, whitespace runs as one space."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


#: "What did X say?", "Did X tell customers?", "How many people did X notify?": X is the subject.
_SUBJECT = re.compile(
    r"\b(?:did|does|do|has|have|had|will|would)\s+(?P<x>[^?!.,;:]+?)\s+(?:actually\s+|really\s+|ever\s+|"
    r"publicly\s+|first\s+|not\s+|never\s+)*(?:say|said|tell|told|call|called|confirm|confirmed|admit|"
    r"admitted|mention|mentioned|disclose|disclosed|announce|announced|notify|notified|state|stated|write|"
    r"wrote|reveal|revealed|report|reported|claim|claimed|deny|denied|blame|blamed|comment|commented|"
    r"explain|explained|apologi[sz]e|apologi[sz]ed|acknowledge|acknowledged|publish|published|post|"
    r"posted|describe|described|know|knew|learn|learned|discover|discovered|respond|responded)\b",
    re.IGNORECASE)
#: Subjects that name nobody in particular.
_PRONOUNS = frozenset("it they he she we you i them its their this that the company the firm".split())
_WORD_START = re.compile(r"(?<![\w.])\S")
_WORD_END = re.compile(r"\S(?!\w)")
_NAME_WORD = re.compile(r"[A-Z0-9][\w'’&.-]*")
_NOT_NAMES = frozenset("""I January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split())


class OrganizationIndex:
    """The known organisations and their aliases in match form, in one table.

    Args:
        known: the organisations the index knows, in the catalogue's order.
    """

    def __init__(self, known: Sequence[str]) -> None:
        self.known = tuple(known)
        self._aliases: dict[str, set[str]] = {}
        self._owner: dict[str, str] = {}
        for org in self.known:
            forms = {match_form(a) for a in organization_aliases(org)} - {""}
            words = match_form(org).split()
            if len(words) > 1 and words[0] in LEADING_FORMS and len(" ".join(words[1:])) >= 4:
                forms.add(" ".join(words[1:]))  # "Société Oriflamme" is "Oriflamme" to most people
            self._aliases[org] = forms
            for form in forms:
                self._owner.setdefault(form, org)
        self._longest = max(map(len, self._owner), default=0)
        self._compact = {form.replace(" ", ""): org for form, org in self._owner.items()}

    def find(self, question: str) -> str | None:
        """The known organisation the question names (by name or alias); the longest alias wins."""
        q = match_form(question)
        # every span that starts a word (not after a letter, digit or dot) and ends one, looked up
        # in the alias table: linear in the question, whatever the number of organisations
        starts = [m.start() for m in _WORD_START.finditer(q)]
        ends = [m.end() for m in _WORD_END.finditer(q)]
        # the organisation the question asks about ("What did UnitedHealth say about the Change
        # Healthcare attack?") wins over one it only mentions; then the longest alias
        subjects = [m.span("x") for m in _SUBJECT.finditer(q)]
        best: tuple[bool, int, str] | None = None
        for start in starts:
            for end in ends:
                if end <= start:
                    continue
                if end - start > self._longest:
                    break
                span = q[start:end]
                if span in self._owner:
                    key = (any(a <= start and end <= b for a, b in subjects), len(span), span)
                    if best is None or key[:2] > best[:2]:
                        best = key
        return self._owner[best[2]] if best else None

    def canonical(self, name: str) -> str | None:
        """The known organisation ``name`` is (or is an alias of), else None."""
        return self._owner.get(match_form(name))

    def forms(self, org: str) -> frozenset[str]:
        """``org``'s name and aliases in match form (see :func:`match_form`); empty for an unknown one."""
        return frozenset(self._aliases.get(org, ()))

    def is_alias(self, name: str, org: str) -> bool:
        """True when ``name`` is ``org`` or one of its aliases, as people type them."""
        return match_form(name) in self._aliases.get(org, ())

    def suggest(self, typed: str, limit: int = 3) -> list[str]:
        """Known organisations that ``typed`` is probably a misspelling or re-spacing of."""
        form = match_form(typed)
        if not form or not self._owner:
            return []
        compact = form.replace(" ", "")
        if compact in self._compact:
            return [self._compact[compact]]
        scored = process.extract(form, list(self._owner), scorer=fuzz.ratio, limit=limit * 3)
        scored += process.extract(compact, list(self._compact), scorer=fuzz.ratio, limit=limit * 3)
        out: list[str] = []
        for alias, score, _ in sorted(scored, key=lambda x: -x[1]):
            org = self._owner.get(alias) or self._compact.get(alias)
            if score >= SUGGEST_MIN and org and org not in out:
                out.append(org)
        return out[:limit]

    def named_subject(self, question: str) -> str | None:
        """The name a question asks about when it is not a known organisation ("What did Brightwater
        Systems say?"), else None. Pronouns, "the company" and lower-case phrases are no names."""
        for m in _SUBJECT.finditer(question):
            subject = m.group("x").strip()
            if match_form(subject) in _PRONOUNS or self.find(subject):
                continue
            words = subject.split()
            while words and not _NAME_WORD.fullmatch(words[0]):
                words.pop(0)  # "the", "a": the name starts at its first capitalised word
            if not words or any(not _NAME_WORD.fullmatch(w) and w.casefold() not in ("of", "and", "&", "de")
                                for w in words):
                continue
            if all(w in _NOT_NAMES for w in words):
                continue
            return " ".join(words)
        return None

    def suggest_in(self, question: str) -> list[str]:
        """Known organisations that a misspelt or re-spaced name in ``question`` may mean."""
        subject = self.named_subject(question)
        candidates = [subject] if subject else []
        words = [w.strip("?!.,;:\"'“”‘’()") for w in question.split()]
        for n in (1, 2, 3):  # capitalised runs after the first word: "Fen Wick", "Fenwik Borough"
            for i in range(1, len(words) - n + 1):
                run = words[i:i + n]
                if all(w and _NAME_WORD.fullmatch(w) and w not in _NOT_NAMES for w in run) \
                        and len("".join(run)) >= 4:
                    candidates.append(" ".join(run))
        out: list[str] = []
        for candidate in candidates:
            for org in self.suggest(candidate):
                if org not in out:
                    out.append(org)
        return out


@functools.lru_cache(maxsize=16)
def _cached(known: tuple[str, ...]) -> OrganizationIndex:
    return OrganizationIndex(known)


def organization_index(known: Sequence[str]) -> OrganizationIndex:
    """The :class:`OrganizationIndex` for this list of organisations, built once per distinct list."""
    return _cached(tuple(known))
