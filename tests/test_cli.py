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

from conftest import EXAMPLES_DIR
from knowledge import cli as knowledge_cli
from knowledge.service import source_id_for

FOLLOW_UP_URL = "https://harborline.example/news/follow-up"
SOURCE_KEYS = {"id", "title", "url", "publisher", "date", "kind", "retrieved_at", "gone"}

Run = Callable[..., tuple[int, str, str]]


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
    unknown = corpus / "scan.odt"
    unknown.write_bytes(b"PK\x03\x04 fictional")
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


# --- metadata kept across ingests, one URL per source ---------------------------------------------

def test_reingest_without_org_keeps_the_earlier_org(run: Run, follow_up: Path) -> None:
    assert run("ingest", str(follow_up), "--org", "Harborline Market")[0] == 0

    code, out, err = run("ingest", str(follow_up), "--json")

    assert code == 0, err
    report = json.loads(out)
    assert report["unchanged"] == [source_id_for(str(follow_up.resolve()))]
    assert report["added"] == [] and report["updated"] == []
    [row] = sources_json(run)
    assert row["organizations"] == ["Harborline Market"]


@pytest.fixture
def same_url_files(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "first.txt"
    first.write_text("Harborline Market said on Sunday that its review was complete.\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("Harborline Market said on Monday that every shopper had been told.\n", encoding="utf-8")
    return first, second


def test_two_files_with_one_url_fail_and_nothing_is_ingested(
        run: Run, same_url_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    first, second = same_url_files

    code, out, err = run("ingest", str(first), str(second), "--url", FOLLOW_UP_URL)

    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and str(second) in lines[0] and FOLLOW_UP_URL in lines[0]
    assert "Traceback" not in err and out == ""
    assert sources_json(run) == []


def test_two_files_with_one_url_error_names_both_files(run: Run, same_url_files: tuple[Path, Path]) -> None:
    first, second = same_url_files

    _, _, err = run("ingest", str(first), str(second), "--url", FOLLOW_UP_URL)

    assert str(first) in err and str(second) in err


@pytest.mark.parametrize("how", ["url", "absolute-path", "relative-path"])
def test_forget_by_url_or_path(run: Run, follow_up: Path, how: str) -> None:
    assert run("ingest", str(EXAMPLES_DIR), str(follow_up))[0] == 0
    notice_url = "https://harborline.example/notices/order-history"
    target, removed = {
        "url": (notice_url, source_id_for(notice_url)),
        "absolute-path": (str(follow_up), source_id_for(str(follow_up.resolve()))),
        "relative-path": (follow_up.name, source_id_for(str(follow_up.resolve()))),  # cwd is its folder
    }[how]

    code, out, err = run("forget", target)

    assert code == 0, err
    assert f"forgot {removed}" in out
    ids = {row["id"] for row in sources_json(run)}
    assert removed not in ids and len(ids) == 5


# --- one-line errors for settings and the data folder ---------------------------------------------

def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.strip()]


def test_missing_env_file_is_a_usage_error(run: Run, data_dir: Path) -> None:
    code, out, err = run("--env-file", "/nonexistent/disclosure.env", "sources")

    assert code == 2
    assert error_lines(err) == ["error: settings file /nonexistent/disclosure.env not found"]
    assert out == ""
    assert not data_dir.exists()


@pytest.mark.parametrize(("line", "setting"), [
    pytest.param("KB_MAX_QUESTION_CHARS=abc", "max_question_chars", id="not-a-number"),
    pytest.param("KB_MAX_QUESTION_CHARS=5", "max_question_chars", id="below-the-minimum"),
    pytest.param("KB_CHROMA_PORT=eighty", "chroma_port", id="port"),
    pytest.param("LOG_LEVEL=LOUD", "level", id="log-level"),
    pytest.param("DISCORD_GUILD_ID=my-server", "guild_id", id="guild-id"),
])
def test_invalid_setting_in_env_file_is_one_line(run: Run, tmp_path: Path, data_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch, line: str, setting: str) -> None:
    for name in ("KB_MAX_QUESTION_CHARS", "KB_CHROMA_PORT", "LOG_LEVEL", "DISCORD_GUILD_ID"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / "bad.env"
    env_file.write_text(f"{line}\n", encoding="utf-8")

    code, out, err = run("--env-file", str(env_file), "sources")

    assert code == 2
    [message] = error_lines(err)
    assert message.startswith(f"error: invalid setting {setting}: ")
    assert out == ""
    assert not data_dir.exists()


@pytest.mark.parametrize("command", [["sources"], ["ingest", "follow-up.txt"], ["ask", "What did Harborline say?"]])
def test_data_dir_that_is_a_file_is_one_line(run: Run, tmp_path: Path, follow_up: Path,
                                             command: list[str]) -> None:
    not_a_folder = tmp_path / "index.txt"
    not_a_folder.write_text("not an index\n", encoding="utf-8")

    code, out, err = run("--data-dir", str(not_a_folder), *command)

    assert code == 1
    assert error_lines(err) == [f"error: File exists: {not_a_folder}"]
    assert out == ""
    assert not_a_folder.read_text(encoding="utf-8") == "not an index\n"


def test_data_dir_inside_a_file_is_one_line(run: Run, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "index.txt"
    not_a_folder.write_text("not an index\n", encoding="utf-8")

    code, _, err = run("--data-dir", str(not_a_folder / "data"), "sources")

    assert code == 1
    assert error_lines(err) == [f"error: Not a directory: {not_a_folder / 'data'}"]
