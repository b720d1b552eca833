"""Watched organisations: which of an ingest's words are new, and who wants to hear about them.

:func:`new_words` is called by every ingest (``KnowledgeBase.ingest_documents``) before it commits,
against what the catalogue holds then. A quote of an organisation (a ``quote`` attribution speaking
for it, not an earlier incident's words or a memo: what an answer would show as its words) is:

- seen, when some indexed quote of the organisation has the same words after folding (the
  statements' normalisation, then the words alone: case, curly or straight quotes, punctuation and
  whitespace do not count) or contains them (an excerpt of seen words is not new either);
- a new ``variant``, when it is near-identical to a seen quote (the statements' fuzzy grouping) but
  not equal: another wording, or a changed negation, hedge, number, date or amount
  (``changed_meaning``);
- ``new`` otherwise.

Only the organisations the ingested sources' quotes speak for are read, and only their sources; a
:class:`SeenCache` keeps each one's seen quotes between ingests and reads only the sources added
since (measured: 2 ms for a one-source ingest against 4,000 seen quotes of its organisation; 250 ms
the first time). A source re-ingested with one new paragraph reports that paragraph only (its old
version's quotes are seen). Words new in two sources of one ingest are reported once, from the first.

:class:`WatchStore` keeps who watches what: ``<KB_DATA_DIR>/watches.sqlite3`` (also in server mode:
the watch list is this bot's, not the shared index's). Channels and guilds are opaque strings.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel

from knowledge.attribution import organization_aliases
from knowledge.catalog import Catalog
from knowledge.errors import WatchError
from knowledge.names import match_form, organization_index
from knowledge.records import PRIMARY_KINDS, AnswerItem, Attribution, NewWords, Source
from knowledge.sqlite import connect
from knowledge.statements import (
    SAME_STATEMENT,
    changed_meaning,
    describe_difference,
    similarity,
)
from knowledge.statements import (
    _key as words_key,  # the statements' own normalisation, not a copy
)

#: The longest organisation name a watch keeps (Discord's option limit is 100).
NAME_MAX = 200


def is_own_quote(a: Attribution) -> bool:
    """True for words an answer would show as their organisation's own: a quote that speaks for an
    organisation and is no earlier incident's words or internal memo."""
    return a.kind == "quote" and a.speaker_org is not None and a.context is None


def _item(a: Attribution, source: Source) -> AnswerItem:
    return AnswerItem(kind=a.kind, text=a.text, speaker=a.speaker, speaker_role=a.speaker_role, start=a.start,
                      end=a.end, cue=a.cue, topic=a.topic, second_hand=source.kind not in PRIMARY_KINDS,
                      source=source.ref())


#: A seen quote is compared with a new one only when it shares this share of the new one's rarest
#: words (near-identical wordings and excerpts share nearly all), and only the best few such.
SHARED_WORDS = 0.6
CANDIDATES = 20
#: How many of a quote's rarest words find its candidates.
RARE_WORDS = 8
_WORD = re.compile(r"\w+")


class _Seen:
    """An organisation's seen quotes, with a word index so a new quote is compared with a few."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts: list[str] = []
        self.sequences: list[str] = []
        self.keys: set[str] = set()
        self._by_word: dict[str, list[int]] = {}
        for text in texts:
            self.add(text)

    @staticmethod
    def sequence(text: str) -> str:
        """The words alone, folded, between spaces: punctuation and case do not make words new."""
        return f" {' '.join(_WORD.findall(words_key(text)))} "

    def add(self, text: str) -> None:
        key = self.sequence(text)
        self.keys.add(key)
        for word in set(key.split()):
            self._by_word.setdefault(word, []).append(len(self.texts))
        self.texts.append(text)
        self.sequences.append(key)

    def candidates(self, key: str) -> tuple[list[int], list[int]]:
        """Seen quotes worth comparing with ``key``, found through its :data:`RARE_WORDS` rarest
        words (common words would touch every quote): those holding all of them (the only ones
        that can contain it), and the best :data:`CANDIDATES` sharing :data:`SHARED_WORDS` of them."""
        rare = sorted(set(key.split()), key=lambda w: len(self._by_word.get(w, ())))[:RARE_WORDS]
        shared: dict[int, int] = {}
        for word in rare:
            for i in self._by_word.get(word, ()):
                shared[i] = shared.get(i, 0) + 1
        floor = max(1, int(len(rare) * SHARED_WORDS))
        best = sorted((i for i, n in shared.items() if n >= floor), key=lambda i: -shared[i])
        return [i for i in best if shared[i] == len(rare)], best[:CANDIDATES]


def novelty(text: str, seens: Sequence[_Seen]) -> dict[str, object] | None:
    """None when ``text`` is seen in one of ``seens``; else the :class:`NewWords` fields that say how
    it is new (``new``, or a ``variant`` of the most similar seen quote)."""
    key = _Seen.sequence(text)
    if not key.strip():
        return None
    best, best_score = None, 0.0
    for seen in seens:
        if key in seen.keys:
            return None
        holding, near = seen.candidates(key)
        if any(key in seen.sequences[i] for i in holding):
            return None  # an excerpt of seen words
        for i in near:
            other = seen.texts[i]
            score = max(similarity(text, other), similarity(other, text))
            if score > best_score:
                best, best_score = other, score
    if best is None or best_score < SAME_STATEMENT:
        return {"novelty": "new"}
    return {"novelty": "variant", "previous": best, "differs": describe_difference(best, text),
            "changed_meaning": changed_meaning(best, text)}


class SeenCache:
    """Each organisation's seen quotes, kept between ingests and brought up to date from the
    catalogue: sources added since are read and indexed alone; a changed or removed source makes the
    organisation's entry be read again. The knowledge base keeps one and calls :func:`new_words`
    with it from one writer at a time.

    Args:
        size: organisations kept (the least recently used are dropped).
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._orgs: OrderedDict[str, tuple[dict[str, str], _Seen]] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, catalog: Catalog, org: str, spellings: Sequence[str],
             speaks_for: Callable[[str], bool]) -> _Seen:
        """``org``'s quotes in the sources that name one of ``spellings``, as the catalogue holds them
        now; ``speaks_for(name)`` says whether a quote's ``speaker_org`` is ``org``."""
        current = catalog.sources_naming(spellings) if spellings else {}
        with self._lock:
            cached = self._orgs.get(org)
        if cached is not None and all(current.get(sid) == digest for sid, digest in cached[0].items()):
            known, seen = cached
        else:
            known, seen = {}, _Seen()
        fresh = [sid for sid in current if sid not in known]
        stored = catalog.attributions(fresh) if fresh else {}
        for sid in fresh:
            for a in stored.get(sid, ()):
                if is_own_quote(a) and a.speaker_org is not None and speaks_for(a.speaker_org):
                    seen.add(a.text)
            known[sid] = current[sid]
        with self._lock:
            self._orgs[org] = (known, seen)
            self._orgs.move_to_end(org)
            while len(self._orgs) > self.size:
                self._orgs.popitem(last=False)
        return seen


def new_words(catalog: Catalog, incoming: Iterable[tuple[Source, Sequence[Attribution]]],
              cache: SeenCache | None = None) -> list[NewWords]:
    """The words ``incoming`` (sources about to be committed, with their attributions) bring that
    ``catalog`` does not hold yet for their organisation, in the order given.

    Args:
        catalog: the catalogue as it is before the ingest commits.
        incoming: each new or changed source and its extracted attributions.
        cache: the organisations' seen quotes from earlier calls (a new one when None); what this
            call finds is not added to it (the ingest may still fail): the next call reads the
            committed sources.
    """
    incoming = [(s, [a for a in attrs if is_own_quote(a)]) for s, attrs in incoming]
    speakers = {a.speaker_org for _, attrs in incoming for a in attrs if a.speaker_org}
    if not speakers:
        return []
    cache = cache or SeenCache()
    known = catalog.organizations()  # first: on a Chroma server it also makes the next read cached
    names = catalog.organization_names()
    index = organization_index(sorted({*known, *speakers}))

    def org_of(name: str) -> str:
        return index.canonical(name) or name

    seen: dict[str, tuple[_Seen, _Seen]] = {}  # organisation -> (indexed quotes, this ingest's new ones)
    for org in sorted({org_of(s) for s in speakers}):
        spellings = [n for n in names if index.is_alias(n, org)]
        seen[org] = (cache.seen(catalog, org, spellings, lambda name, org=org: index.is_alias(name, org)),
                     _Seen())
    found: list[NewWords] = []
    for source, attrs in incoming:
        for a in attrs:
            org = org_of(a.speaker_org or "")
            how = novelty(a.text, seen[org])
            if how is None:
                continue
            found.append(NewWords(organization=org, item=_item(a, source), **how))  # type: ignore[arg-type]
            seen[org][1].add(a.text)  # the same words in a later source of this ingest are not new
    return found


#: New words listed by the command line after an ingest (``--json`` has them all).
LISTED_MAX = 10


def new_words_lines(found: Sequence[NewWords], limit: int = LISTED_MAX) -> list[str]:
    """What ``disclosure-bot ingest`` prints after its summary: one line per new quote (the first
    ``limit``; the words cut at 200 characters), who said it, the source and, for a variant, what
    changed."""
    if not found:
        return []
    lines = [f"new words (what /watch posts): {len(found)}"]
    for words in found[:limit]:
        text = words.item.text if len(words.item.text) <= 200 else words.item.text[:199].rstrip() + "…"
        what = f"variant ({words.differs})" if words.novelty == "variant" else "new"
        lines.append(f"  {words.organization}: “{text}” [{what}; {words.item.source.title}, {words.item.source.id}]")
    if len(found) > limit:
        lines.append(f"  and {len(found) - limit} more (ingest --json lists them all)")
    return lines


class Watch(BaseModel):
    """One organisation watched in one channel of one guild."""

    guild: str
    channel: str
    organization: str
    added_by: str | None = None
    added_at: dt.datetime


class WatchStore:
    """Watches in one SQLite file, safe from several threads.

    Args:
        path: the database file; created (with its folder) when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS watches (guild TEXT NOT NULL, channel TEXT NOT NULL, organization TEXT"
            " NOT NULL, match TEXT NOT NULL, added_by TEXT, added_at TEXT NOT NULL,"
            " PRIMARY KEY (guild, channel, match))")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def watch(self, organization: str, guild: str, channel: str, by: str | None = None) -> tuple[Watch, bool]:
        """Watch ``organization`` in ``channel``; returns the watch and whether it is new (watching
        twice keeps the first).

        Raises:
            WatchError: a blank or over-long organisation name.
        """
        name = " ".join(organization.split())
        if not name or not match_form(name):
            raise WatchError("name the organisation to watch")
        if len(name) > NAME_MAX:
            raise WatchError(f"an organisation's name is at most {NAME_MAX} characters")
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        with self._lock:
            added = self._db.execute(
                "INSERT OR IGNORE INTO watches VALUES (?, ?, ?, ?, ?, ?)",
                (guild, channel, name, match_form(name), by, now)).rowcount
            row = self._db.execute("SELECT * FROM watches WHERE guild = ? AND channel = ? AND match = ?",
                                   (guild, channel, match_form(name))).fetchone()
        return self._watch(row), bool(added)

    def unwatch(self, organization: str, guild: str, channel: str | None = None) -> list[Watch]:
        """Stop watching ``organization`` in ``channel`` (None: in every channel of the guild);
        returns the watches removed.

        Raises:
            WatchError: nothing matched.
        """
        match = match_form(organization)
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM watches WHERE guild = ? AND match = ? AND (? IS NULL OR channel = ?)",
                (guild, match, channel, channel)).fetchall()
            self._db.execute("DELETE FROM watches WHERE guild = ? AND match = ? AND (? IS NULL OR channel = ?)",
                             (guild, match, channel, channel))
        if not rows:
            where = "that channel" if channel is not None else "this server"
            raise WatchError(f"{organization.strip() or 'that organisation'} is not watched in {where}")
        return [self._watch(r) for r in rows]

    def watches(self, guild: str | None = None) -> list[Watch]:
        """Every watch (of one guild when given), by organisation."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM watches WHERE ? IS NULL OR guild = ? ORDER BY match, channel",
                                    (guild, guild)).fetchall()
        return [self._watch(r) for r in rows]

    def watchers(self, organization: str, aliases: Iterable[str] = ()) -> list[Watch]:
        """The watches of ``organization``, of one of its usual aliases (``Harborline`` for
        ``Harborline Market``: :func:`knowledge.attribution.organization_aliases`) or of ``aliases``,
        in every guild."""
        names = (organization, *organization_aliases(organization), *aliases)
        forms = sorted({match_form(n) for n in names} - {""})
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM watches WHERE match IN ({','.join('?' * len(forms))}) ORDER BY guild, channel",
                forms).fetchall() if forms else []
        return [self._watch(r) for r in rows]

    @staticmethod
    def _watch(row: sqlite3.Row) -> Watch:
        return Watch(guild=row["guild"], channel=row["channel"], organization=row["organization"],
                     added_by=row["added_by"], added_at=dt.datetime.fromisoformat(row["added_at"]))
