"""Evaluation of attribution: does the answer give the organisation's words, and only those?

An evaluation file is YAML::

    corpus: corpus            # optional: a folder of sources, relative to this file, indexed into a
                              # fresh temporary index; without it the configured index is used
    questions:
      - text: What did Harborline Market actually say?
        expected_org: Harborline Market
        expected_phrases: [configuration mistake]      # the organisation's words the answer must quote
        forbidden_phrases: [can reveal a lot]          # others' words that must never be shown as its
        expected_urls: [https://harborline.example/notices/order-history]

Metrics (micro-averaged over all questions):

- phrase recall: expected phrases found in the organisation's quotes (or statements) / expected phrases;
- recall@8: expected phrases found within what a Discord reply shows first: the first
  :data:`SHOWN_STATEMENTS` statements (with their variants) and the first :data:`SHOWN_REPORTED`
  reported lines;
- attribution precision: shown quotes that contain no forbidden phrase / shown quotes;
- verbatim rate: shown quotes that are, after folding quotes and whitespace, exactly the span of the
  stored source text they cite / shown quotes;
- source precision: answer sources whose URL is expected / answer sources (questions with
  ``expected_urls`` only);
- organisation accuracy: questions whose answer names ``expected_org``;
- others precision ("who else commented?" questions only): quotes shown under ``others`` that hold
  none of the organisation's own expected phrases (from any question in the run about it) / quotes
  shown under ``others``.

``eval --verbose`` also counts, per attribution rule (sieve), the organisation's quotes it put in
answers and how many of them held a forbidden phrase.

The same questions also run through a plain baseline: langchain-chroma's top-5 chunks for the
question, every quoted span in them taken as the organisation's words.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from knowledge.attribution import canonical_organization, extract_attributions
from knowledge.errors import KnowledgeError
from knowledge.records import Answer, Source
from knowledge.service import KnowledgeBase
from knowledge.text import fold

#: What a Discord reply shows first: statements, and reported lines.
SHOWN_STATEMENTS = 8
SHOWN_REPORTED = 5
#: Quoted spans the baseline takes as the organisation's: curly or straight double quotes.
_BASELINE_QUOTE = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"")


class EvalQuestion(BaseModel):
    text: str
    expected_org: str | None = None
    expected_phrases: list[str] = Field(default_factory=list)
    forbidden_phrases: list[str] = Field(default_factory=list)
    expected_urls: list[str] = Field(default_factory=list)


class EvalFile(BaseModel):
    corpus: str | None = None
    questions: list[EvalQuestion]


@dataclass
class Shown:
    """What one system showed for one question: the organisation's quotes and the sources."""

    organization: str | None
    quotes: list[tuple[str, bool]]  # (text, verbatim)
    sources: list[str | None]  # URLs
    first: list[str] = field(default_factory=list)  # what a reply shows first (recall@8)
    others: list[str] = field(default_factory=list)  # other speakers' quotes, for "who else" questions
    rules: list[str | None] = field(default_factory=list)  # the rule behind each of ``quotes``


@dataclass
class Tally:
    phrases: int = 0
    phrases_found: int = 0
    phrases_found_first: int = 0
    others: int = 0
    others_clean: int = 0
    rules: dict[str, list[int]] = field(default_factory=dict)  # rule -> [shown, wrong]
    quotes: int = 0
    quotes_clean: int = 0
    quotes_verbatim: int = 0
    sources: int = 0
    sources_expected: int = 0
    questions: int = 0
    org_correct: int = 0
    misses: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "questions": self.questions,
            "phrase_recall": ratio(self.phrases_found, self.phrases),
            "recall_at_8": ratio(self.phrases_found_first, self.phrases),
            "attribution_precision": ratio(self.quotes_clean, self.quotes),
            "verbatim_rate": ratio(self.quotes_verbatim, self.quotes),
            "source_precision": ratio(self.sources_expected, self.sources),
            "organization_accuracy": ratio(self.org_correct, self.questions),
            "others_precision": ratio(self.others_clean, self.others),
            "quotes_shown": self.quotes,
            "quotes_per_answer": round(self.quotes / self.questions, 1) if self.questions else None,
        }

    def add(self, other: Tally) -> None:
        """Add ``other``'s counts to this tally."""
        for key, value in vars(other).items():
            if key == "rules":
                for rule, (shown, wrong) in value.items():
                    mine = self.rules.setdefault(rule, [0, 0])
                    mine[0] += shown
                    mine[1] += wrong
            else:
                setattr(self, key, getattr(self, key) + value)


def load_eval_file(path: Path) -> EvalFile:
    """Read and validate an evaluation file.

    Raises:
        KnowledgeError: unreadable, not YAML, or not of the documented shape.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return EvalFile.model_validate(data)
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read evaluation file ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise KnowledgeError(f"{path}: not valid YAML{where} ({problem})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise KnowledgeError(f"{path}: invalid evaluation file at {where}: {first['msg']}") from exc


def shown_by_system(answer: Answer, kb: KnowledgeBase) -> Shown:
    """The organisation's quotes in an answer, each re-checked against the stored source text, with
    what a reply shows first and the rule behind each quote (re-extracted from the stored source)."""
    sources: dict[str, Source | None] = {}
    rules: dict[str, dict[tuple[int, int], str | None]] = {}
    quotes = []
    quote_rules: list[str | None] = []
    for item in answer.quotes:
        if item.source.id not in sources:
            source = sources[item.source.id] = kb.catalog.get(item.source.id)
            rules[item.source.id] = {} if source is None else {
                (a.start, a.end): getattr(a, "rule", None) for a in extract_attributions(
                    source.text, source.kind, source.organizations, source.date, source.publisher)}
        source = sources[item.source.id]
        text = source.text if source else ""
        quotes.append((item.text, fold(text[item.start:item.end]) == fold(item.text)))
        quote_rules.append(rules[item.source.id].get((item.start, item.end), "relocated"))
    first = [t for st in answer.statements[:SHOWN_STATEMENTS] for t in [st.text, *(v.text for v in st.variants)]]
    first += [r.text for r in answer.reported[:SHOWN_REPORTED]]
    others = [o.text for o in answer.others] if answer.question_type == "others" else []
    return Shown(answer.organization, quotes, [s.url for s in answer.sources], first, others, quote_rules)


def shown_by_baseline(question: str, kb: KnowledgeBase, k: int = 5) -> Shown:
    """langchain-chroma's top-``k`` chunks; every quoted span in them is taken as the organisation's."""
    docs = kb.vectors.langchain.similarity_search(question, k=k)
    quotes: list[tuple[str, bool]] = []
    urls: list[str | None] = []
    for doc in docs:
        source = kb.catalog.get(str(doc.metadata["source_id"]))
        if source is not None and source.url not in urls:
            urls.append(source.url)
        for m in _BASELINE_QUOTE.finditer(doc.page_content):
            quotes.append((m.group(1) or m.group(2), True))
    return Shown(None, quotes, urls, first=[text for text, _ in quotes[:SHOWN_STATEMENTS]])


def score(question: EvalQuestion, shown: Shown, tally: Tally, label: str,
          own_phrases: Sequence[str] = ()) -> None:
    """Add one question's result to ``tally``; misses are recorded as readable lines.

    ``own_phrases`` are the expected organisation's words from every question about it: none may be
    shown under ``others``."""
    tally.questions += 1
    if question.expected_org is None or (shown.organization and canonical_organization(
            shown.organization, [question.expected_org])):
        tally.org_correct += 1
    elif label == "system":
        tally.misses.append(f"{label}: {question.text!r} answered for {shown.organization!r}, "
                            f"not {question.expected_org!r}")
    folded_quotes = [fold(text).casefold() for text, _ in shown.quotes]
    folded_first = [fold(text).casefold() for text in shown.first]
    for phrase in question.expected_phrases:
        tally.phrases += 1
        folded = fold(phrase).casefold()
        if any(folded in q for q in folded_quotes):
            tally.phrases_found += 1
        else:
            tally.misses.append(f"{label}: {question.text!r} missed {phrase!r}")
        if any(folded in q for q in folded_first):
            tally.phrases_found_first += 1
        elif any(folded in q for q in folded_quotes):
            tally.misses.append(f"{label}: {question.text!r} has {phrase!r} only after the first "
                                f"{SHOWN_STATEMENTS} statements")
    forbidden = [fold(p).casefold() for p in question.forbidden_phrases]
    rules = shown.rules or [None] * len(shown.quotes)
    for (text, verbatim), folded, rule in zip(shown.quotes, folded_quotes, rules):
        tally.quotes += 1
        tally.quotes_verbatim += verbatim
        bad = [p for p in forbidden if p in folded]
        counts = tally.rules.setdefault(rule or "none", [0, 0])
        counts[0] += 1
        if bad:
            counts[1] += 1
            tally.misses.append(f"{label}: {question.text!r} showed {bad[0]!r} as the organisation's"
                                f" (rule {rule})")
        else:
            tally.quotes_clean += 1
    own = [fold(p).casefold() for p in own_phrases]
    for text in shown.others:
        folded = fold(text).casefold()
        tally.others += 1
        bad = [p for p in own if p in folded]
        if bad:
            tally.misses.append(f"{label}: {question.text!r} showed {bad[0]!r} under others")
        else:
            tally.others_clean += 1
    if question.expected_urls:
        for url in shown.sources:
            tally.sources += 1
            tally.sources_expected += url in question.expected_urls


def evaluate(kb: KnowledgeBase, questions: Sequence[EvalQuestion],
             progress: Callable[[int], None] | None = None) -> dict[str, Tally]:
    """Run every question through the system and the baseline; returns their tallies."""
    tallies = {"system": Tally(), "baseline": Tally()}
    own: dict[str, list[str]] = {}
    for question in questions:
        if question.expected_org:
            own.setdefault(question.expected_org.casefold(), []).extend(question.expected_phrases)
    for i, question in enumerate(questions):
        answer = kb.ask(question.text)
        score(question, shown_by_system(answer, kb), tallies["system"], "system",
              own.get((question.expected_org or "").casefold(), []))
        score(question, shown_by_baseline(question.text, kb), tallies["baseline"], "baseline")
        if progress:
            progress(i + 1)
    return tallies


def corpus_dir(eval_path: Path, eval_file: EvalFile) -> Path | None:
    return (eval_path.parent / eval_file.corpus).resolve() if eval_file.corpus else None


def temporary_data_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="disclosure-eval-")


# retrieval -------------------------------------------------------------------------------------

#: Depths at which source recall is reported.
RECALL_KS = (5, 20)
#: Chunks retrieved per question for source recall (as many as an answer fetches).
RECALL_FETCH = 80


@dataclass
class RecallTally:
    """Source recall@k of retrieval alone: expected URLs among the first k distinct sources of the
    ranked chunks, for questions with ``expected_urls`` (micro-averaged)."""

    questions: int = 0
    expected: int = 0
    found: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RECALL_KS, 0))

    def metrics(self, retrieval: str) -> dict[str, str | float | int | None]:
        return {"retrieval": retrieval, "questions": self.questions,
                **{f"source_recall_at_{k}": round(n / self.expected, 4) if self.expected else None
                   for k, n in self.found.items()}}

    def add(self, other: RecallTally) -> None:
        self.questions += other.questions
        self.expected += other.expected
        for k, n in other.found.items():
            self.found[k] = self.found.get(k, 0) + n


def source_recall(kb: KnowledgeBase, questions: Sequence[EvalQuestion], mode: str) -> RecallTally:
    """Source recall@k (:data:`RECALL_KS`) of ``mode`` retrieval (``dense`` or ``hybrid``) over the
    sources of the organisation each question names, as :meth:`KnowledgeBase.ask` would find it."""
    tally = RecallTally()
    for question in questions:
        if not question.expected_urls:
            continue
        tally.questions += 1
        tally.expected += len(set(question.expected_urls))
        ranked: list[str] = []
        for hit in kb.retrieve(question.text, k=RECALL_FETCH, mode=mode):
            if hit.source_id not in ranked:
                ranked.append(hit.source_id)
        urls = {s.id: s.url for s in kb.catalog.sources(ranked[:max(RECALL_KS)])}
        for k in RECALL_KS:
            tally.found[k] += len(set(question.expected_urls) & {urls.get(i) for i in ranked[:k]})
    return tally
