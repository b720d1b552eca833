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
- attribution precision: shown quotes that contain no forbidden phrase / shown quotes;
- verbatim rate: shown quotes that are, after folding quotes and whitespace, exactly the span of the
  stored source text they cite / shown quotes;
- source precision: answer sources whose URL is expected / answer sources (questions with
  ``expected_urls`` only);
- organisation accuracy: questions whose answer names ``expected_org``.

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

from knowledge.attribution import canonical_organization
from knowledge.errors import KnowledgeError
from knowledge.records import Answer
from knowledge.service import KnowledgeBase
from knowledge.text import fold

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


@dataclass
class Tally:
    phrases: int = 0
    phrases_found: int = 0
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
            "attribution_precision": ratio(self.quotes_clean, self.quotes),
            "verbatim_rate": ratio(self.quotes_verbatim, self.quotes),
            "source_precision": ratio(self.sources_expected, self.sources),
            "organization_accuracy": ratio(self.org_correct, self.questions),
            "quotes_shown": self.quotes,
        }


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
    """The organisation's quotes in an answer, each re-checked against the stored source text."""
    texts: dict[str, str] = {}
    quotes = []
    for item in answer.quotes:
        if item.source.id not in texts:
            source = kb.catalog.get(item.source.id)
            texts[item.source.id] = source.text if source else ""
        quotes.append((item.text, fold(texts[item.source.id][item.start:item.end]) == fold(item.text)))
    return Shown(answer.organization, quotes, [s.url for s in answer.sources])


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
    return Shown(None, quotes, urls)


def score(question: EvalQuestion, shown: Shown, tally: Tally, label: str) -> None:
    """Add one question's result to ``tally``; misses are recorded as readable lines."""
    tally.questions += 1
    if question.expected_org is None or (shown.organization and canonical_organization(
            shown.organization, [question.expected_org])):
        tally.org_correct += 1
    folded_quotes = [fold(text).casefold() for text, _ in shown.quotes]
    for phrase in question.expected_phrases:
        tally.phrases += 1
        if any(fold(phrase).casefold() in q for q in folded_quotes):
            tally.phrases_found += 1
        else:
            tally.misses.append(f"{label}: {question.text!r} missed {phrase!r}")
    forbidden = [fold(p).casefold() for p in question.forbidden_phrases]
    for (text, verbatim), folded in zip(shown.quotes, folded_quotes):
        tally.quotes += 1
        tally.quotes_verbatim += verbatim
        bad = [p for p in forbidden if p in folded]
        if bad:
            tally.misses.append(f"{label}: {question.text!r} showed {bad[0]!r} as the organisation's")
        else:
            tally.quotes_clean += 1
    if question.expected_urls:
        for url in shown.sources:
            tally.sources += 1
            tally.sources_expected += url in question.expected_urls


def evaluate(kb: KnowledgeBase, questions: Sequence[EvalQuestion],
             progress: Callable[[int], None] | None = None) -> dict[str, Tally]:
    """Run every question through the system and the baseline; returns their tallies."""
    tallies = {"system": Tally(), "baseline": Tally()}
    for i, question in enumerate(questions):
        answer = kb.ask(question.text)
        score(question, shown_by_system(answer, kb), tallies["system"], "system")
        score(question, shown_by_baseline(question.text, kb), tallies["baseline"], "baseline")
        if progress:
            progress(i + 1)
    return tallies


def corpus_dir(eval_path: Path, eval_file: EvalFile) -> Path | None:
    return (eval_path.parent / eval_file.corpus).resolve() if eval_file.corpus else None


def temporary_data_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="disclosure-eval-")
