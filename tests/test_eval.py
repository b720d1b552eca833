"""The ``eval`` command on a tiny fictional corpus whose scores are known by construction.

Corpus (two sources, each small enough to be one chunk, so the baseline's top-5 chunks are all of
them): a Harborline Market notice, and an Example Daily article quoting one sentence of it plus a
security researcher. Evaluation (two questions):

- expected phrases: "settings error" (notice) and "visible to other members" (notice and article)
  are the organisation's words; "points were never lost" is in no source: phrase recall 2/3;
- forbidden phrase: the researcher's words. The system never shows them as Harborline's
  (attribution precision 1.0); the baseline takes every quoted span as the organisation's, so per
  question it shows the email sentence (clean) and the researcher's quote (forbidden): 0.5;
- expected URLs: both sources, so source precision is 1.0 for every source shown;
- expected organisation: the system names Harborline Market (1.0); the baseline names none (0.0).

Runs ``knowledge.cli.main`` in-process with ``knowledge.service.create_embedder`` replaced by the
fake embedder, as ``tests/test_cli.py`` does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


NOTICE_URL = "https://harborline.example/notices/loyalty-points"
ARTICLE_URL = "https://exampledaily.example/2025/04/04/harborline-loyalty-points"
FORBIDDEN = "leak more than people think"

NOTICE = f"""\
---
title: Your Harborline loyalty points
url: {NOTICE_URL}
publisher: Harborline Market
date: 2025-04-03
kind: notice
organizations: [Harborline Market]
---
We found a settings error in our loyalty service on April 2. Loyalty point balances were visible to other members. We have corrected it.
"""

ARTICLE = f"""\
---
title: Harborline loyalty balances were visible to strangers
url: {ARTICLE_URL}
publisher: Example Daily
date: 2025-04-04
kind: article
organizations: [Harborline Market]
---
Harborline Market emailed loyalty members on Thursday. "Loyalty point balances were visible to other members," the email said.

"Loyalty schemes {FORBIDDEN}," said Priya Raman, a security researcher at Example Labs.
"""

QUESTIONS = f"""\
questions:
  - text: What did Harborline Market actually say?
    expected_org: Harborline Market
    expected_phrases: [settings error, visible to other members]
    forbidden_phrases: [{FORBIDDEN}]
    expected_urls: [{NOTICE_URL}, {ARTICLE_URL}]
  - text: Did Harborline say points were lost?
    expected_org: Harborline Market
    expected_phrases: [points were never lost]
    forbidden_phrases: [{FORBIDDEN}]
    expected_urls: [{NOTICE_URL}, {ARTICLE_URL}]
"""

SYSTEM = {"questions": 2, "phrase_recall": 0.6667, "recall_at_8": 0.6667, "attribution_precision": 1.0,
          "verbatim_rate": 1.0, "source_precision": 1.0, "organization_accuracy": 1.0, "others_precision": None}
BASELINE = {"questions": 2, "phrase_recall": 0.3333, "recall_at_8": 0.3333, "attribution_precision": 0.5,
            "verbatim_rate": 1.0, "source_precision": 1.0, "organization_accuracy": 0.0, "others_precision": None,
            "quotes_shown": 4, "quotes_per_answer": 2.0}

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "eval" / "corpus"
    folder.mkdir(parents=True)
    (folder / "notice.md").write_text(NOTICE, encoding="utf-8")
    (folder / "article.md").write_text(ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture
def eval_file(corpus: Path) -> Path:
    path = corpus.parent / "loyalty.yaml"
    path.write_text("corpus: corpus\n" + QUESTIONS, encoding="utf-8")
    return path


@pytest.fixture
def eval_file_without_corpus(corpus: Path) -> Path:
    path = corpus.parent / "configured.yaml"
    path.write_text(QUESTIONS, encoding="utf-8")
    return path


def metrics(run: Run, *files: Path) -> dict[str, dict[str, float | int | None]]:
    code, out, err = run("eval", *map(str, files), "--json")
    assert code == 0, err
    return json.loads(out)


def test_scores_known_by_construction(run: Run, eval_file: Path) -> None:
    result = metrics(run, eval_file)

    system = result["system"]
    assert {k: system[k] for k in SYSTEM} == SYSTEM
    assert isinstance(system["quotes_shown"], int) and system["quotes_shown"] > 0
    assert result["baseline"] == BASELINE


def test_baseline_takes_the_expert_for_the_organisation(run: Run, eval_file: Path) -> None:
    result = metrics(run, eval_file)

    assert result["baseline"]["attribution_precision"] < result["system"]["attribution_precision"]
    assert result["baseline"]["phrase_recall"] < result["system"]["phrase_recall"]


def test_a_corpus_is_indexed_apart_from_the_configured_index(run: Run, eval_file: Path) -> None:
    metrics(run, eval_file)

    code, out, err = run("sources", "--json")
    assert code == 0, err
    assert json.loads(out) == []


def test_without_corpus_the_configured_index_is_used(run: Run, corpus: Path,
                                                     eval_file_without_corpus: Path) -> None:
    empty = metrics(run, eval_file_without_corpus)
    assert empty["system"]["phrase_recall"] == 0.0
    assert empty["system"]["quotes_shown"] == 0

    code, _, err = run("ingest", str(corpus))
    assert code == 0, err
    result = metrics(run, eval_file_without_corpus)

    system = result["system"]
    assert {k: system[k] for k in SYSTEM} == SYSTEM
    assert result["baseline"] == BASELINE


def test_two_files_are_scored_together(run: Run, eval_file: Path, eval_file_without_corpus: Path,
                                       corpus: Path) -> None:
    code, _, err = run("ingest", str(corpus))
    assert code == 0, err

    result = metrics(run, eval_file, eval_file_without_corpus)

    assert result["system"]["questions"] == 4
    assert result["system"]["phrase_recall"] == 0.6667
    assert result["system"]["attribution_precision"] == 1.0
    assert result["baseline"]["attribution_precision"] == 0.5


def test_table_output(run: Run, eval_file: Path) -> None:
    code, out, err = run("eval", str(eval_file))

    assert code == 0, err
    assert "phrase recall" in out
    assert "0.6667" in out


@pytest.mark.parametrize(("content", "message"), [
    pytest.param("questions:\n  - expected_org: Harborline Market\n", "questions.0.text",
                 id="question-without-text"),
    pytest.param("corpus: corpus\n", "questions", id="no-questions"),
    pytest.param("questions:\n  - text: What did Harborline say?\n    expected_phrases: settings error\n",
                 "expected_phrases", id="phrases-not-a-list"),
    pytest.param("- What did Harborline say?\n", "invalid evaluation file", id="a-list"),
    pytest.param("", "invalid evaluation file", id="empty"),
    pytest.param(
        "questions: [unclosed\n", "not valid YAML at line 2", id="not-yaml"),
])
def test_malformed_eval_file(run: Run, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")

    code, out, err = run("eval", str(path), "--json")

    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {path}: ")
    assert message in lines[0]


def test_missing_eval_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"

    code, out, err = run("eval", str(path), "--json")

    assert code == 1
    assert out == ""
    [line] = err.strip().splitlines()
    assert line.startswith(f"error: {path}: cannot read evaluation file")
