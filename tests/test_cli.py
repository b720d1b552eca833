"""The ``disclosure-bot`` command line, run in-process with the fake embedder.

``knowledge.service.create_embedder`` (the factory ``open_knowledge_base`` calls) is replaced so no
model is loaded; settings come from an empty ``--env-file`` and ``--data-dir``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import cli as bot_cli
from conftest import EXAMPLES_DIR, FakeEmbedder
from knowledge import cli as knowledge_cli
from knowledge import service
from knowledge.service import source_id_for

FOLLOW_UP_URL = "https://harborline.example/news/follow-up"
SOURCE_KEYS = {"id", "title", "url", "publisher", "date", "kind"}

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``bot.cli.main`` with ``--data-dir`` and an empty ``--env-file``; returns (code, out, err)."""
    env_file = tmp_path / "empty.env"
    env_file.write_text("", encoding="utf-8")
    for name in ("DISCORD_TOKEN", "DISCORD_GUILD_ID", "KB_DATA_DIR", "KB_CHROMA_HOST", "KB_EMBEDDING_MODEL",
                 "KB_COLLECTION", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(service, "create_embedder", lambda *args, **kwargs: FakeEmbedder())

    def invoke(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = bot_cli.main(["--data-dir", str(data_dir), "--env-file", str(env_file), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def follow_up(tmp_path: Path) -> Path:
    path = tmp_path / "follow-up.txt"
    path.write_text("Harborline Market said on Sunday that its review of the order-history change "
                    "was complete.\n", encoding="utf-8")
    return path


def sources_json(run: Run) -> list[dict[str, object]]:
    code, out, _ = run("sources", "--json")
    assert code == 0
    return json.loads(out)


def test_ingest_with_overrides(run: Run, follow_up: Path) -> None:
    code, out, err = run("ingest", str(follow_up), "--kind", "statement", "--org", "Harborline Market",
                         "--org", "Harborline Logistics", "--publisher", "Harborline Market",
                         "--date", "2025-03-09", "--title", "Review complete", "--url", FOLLOW_UP_URL,
                         "--json")

    assert code == 0, err
    report = json.loads(out)
    assert report["added"] == [source_id_for(FOLLOW_UP_URL)]
    assert report["errors"] == []
    assert report["index"]["sources"] == 1
    [row] = sources_json(run)
    assert row["id"] == source_id_for(FOLLOW_UP_URL)
    assert row["kind"] == "statement"
    assert row["organizations"] == ["Harborline Market", "Harborline Logistics"]
    assert row["publisher"] == "Harborline Market"
    assert row["date"] == "2025-03-09"
    assert row["title"] == "Review complete"
    assert row["url"] == FOLLOW_UP_URL
    assert row["chunks"] >= 1
    assert "text" not in row


def test_overrides_win_over_front_matter(run: Run) -> None:
    code, _, err = run("ingest", str(EXAMPLES_DIR / "03-article-daily.md"), "--kind", "opinion",
                       "--publisher", "Example Weekly")

    assert code == 0, err
    [row] = sources_json(run)
    assert (row["kind"], row["publisher"]) == ("opinion", "Example Weekly")
    assert row["date"] == "2025-03-04"  # not overridden: front matter stands


@pytest.mark.parametrize("date", ["2025-02-30", "March 9", "09/03/2025"])
def test_bad_date_is_a_usage_error(run: Run, follow_up: Path, data_dir: Path, date: str) -> None:
    code, out, err = run("ingest", str(follow_up), "--date", date)

    assert code == 2
    assert date in err and "ISO 8601" in " ".join(err.split())
    assert not data_dir.exists()  # refused before the index was opened


def test_bad_kind_is_a_usage_error(run: Run, follow_up: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        run("ingest", str(follow_up), "--kind", "rumour")
    assert exc.value.code == 2


@pytest.fixture
def corpus_with_unknown_file(tmp_path: Path) -> tuple[Path, Path]:
    corpus = Path(shutil.copytree(EXAMPLES_DIR, tmp_path / "corpus"))
    unknown = corpus / "scan.pdf"
    unknown.write_bytes(b"%PDF-1.4 fictional")
    return corpus, unknown


def test_unknown_file_fails_and_the_others_are_ingested(run: Run, corpus_with_unknown_file) -> None:  # noqa: ANN001
    corpus, unknown = corpus_with_unknown_file

    code, _, err = run("ingest", str(corpus), str(unknown))

    assert code == 1
    assert str(unknown) in "".join(err.splitlines())  # (rich may wrap the line; see the next test)
    assert len(sources_json(run)) == 5


def test_unknown_file_error_is_one_line_naming_the_file(run: Run, corpus_with_unknown_file,  # noqa: ANN001
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    corpus, unknown = corpus_with_unknown_file

    code, _, err = run("ingest", str(corpus), str(unknown))

    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert str(unknown) in lines[0]


def test_ask_json_shape(run: Run) -> None:
    assert run("ingest", str(EXAMPLES_DIR))[0] == 0

    code, out, err = run("ask", "What did Harborline Market actually say?", "--json")

    assert code == 0, err
    answer = json.loads(out)
    assert {"question", "organization", "quotes", "reported", "others", "sources", "abstained"} <= set(answer)
    assert answer["question"] == "What did Harborline Market actually say?"
    assert answer["organization"] == "Harborline Market"
    assert answer["abstained"] is False
    assert answer["quotes"] and answer["reported"] and answer["others"] and answer["sources"]
    for item in answer["quotes"] + answer["reported"] + answer["others"]:
        assert {"text", "speaker", "start", "end", "source"} <= set(item)
        assert isinstance(item["start"], int) and item["start"] < item["end"]
        assert set(item["source"]) == SOURCE_KEYS
    for ref in answer["sources"]:
        assert set(ref) == SOURCE_KEYS
    notice = next(q for q in answer["quotes"] if q["source"]["kind"] == "notice")
    assert notice["speaker"] == "Harborline Market"
    assert notice["source"]["date"] == "2025-03-03"
    assert notice["source"]["url"] == "https://harborline.example/notices/order-history"


def test_ask_with_org_alias(run: Run) -> None:
    run("ingest", str(EXAMPLES_DIR))

    code, out, _ = run("ask", "What did they actually say?", "--org", "Harborline", "--json")

    assert code == 0
    assert json.loads(out)["organization"] == "Harborline Market"


def test_ask_rich_output_names_speaker_and_source(run: Run) -> None:
    run("ingest", str(EXAMPLES_DIR))

    code, out, _ = run("ask", "What did Harborline say?")

    assert code == 0
    assert "What Harborline Market said" in out
    assert "harborline.example/notices/order-history" in out
    assert "Priya Raman" in out  # among others, under their own heading


def test_empty_question_is_an_error(run: Run) -> None:
    run("ingest", str(EXAMPLES_DIR))

    code, _, err = run("ask", "   ")

    assert code == 1
    assert "error:" in err and "empty" in err


def test_forget(run: Run) -> None:
    run("ingest", str(EXAMPLES_DIR))
    notice_id = source_id_for("https://harborline.example/notices/order-history")

    code, out, _ = run("forget", notice_id[:10])

    assert code == 0
    assert f"forgot {notice_id}" in out
    assert notice_id not in {row["id"] for row in sources_json(run)}
    assert len(sources_json(run)) == 4
    code, _, err = run("forget", notice_id)
    assert code == 1 and "error:" in err


def test_demo(run: Run) -> None:
    code, out, _ = run("demo")

    assert code == 0
    assert "fictional" in out and "Harborline Market" in out
    assert len(sources_json(run)) == 5


def test_serve_without_token_exits_2(run: Run, data_dir: Path) -> None:
    code, _, err = run("serve")

    assert code == 2
    assert "DISCORD_TOKEN" in err
    assert not data_dir.exists()  # the index was never opened


def test_knowledge_cli_has_no_serve(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        knowledge_cli.main(["serve"])
    assert exc.value.code == 2
