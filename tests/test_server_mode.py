"""Server mode: a real ``chroma run`` server shared by every process, with the catalogue in Chroma.

``.ci/run`` starts the server on 127.0.0.1 and sets ``KB_TEST_CHROMA_PORT``; without it the tests that
need the server skip (the README's test command works alone), and with ``KB_TEST_REQUIRE_SERVER`` set
they fail instead. The store, ingest and answer tests of ``test_store.py``, ``test_answering.py`` and
``test_hardening_store.py`` run here again through a ``kb`` fixture parametrised over both modes.
The catalogue's own tests run on an embedded Chroma client as well, so its generation logic is
checked without a server too. Fictional texts only; the fake embedder from ``conftest.py``.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chromadb
import pytest
import test_answering
import test_hardening_store
import test_store
from chromadb.config import Settings as ChromaSettings
from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for
from pydantic import ValidationError

from knowledge.catalog import Catalog
from knowledge.chroma_catalog import ChromaCatalog, new_generation
from knowledge.records import Attribution, Source, SourceMeta
from knowledge.service import KnowledgeBase, open_knowledge_base, source_id_for
from knowledge.settings import KnowledgeSettings

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PORT_ENV = "KB_TEST_CHROMA_PORT"
REQUIRE_ENV = "KB_TEST_REQUIRE_SERVER"
SERVER_PORT = os.environ.get(PORT_ENV, "").strip()
NO_SERVER = (f"no Chroma server: set {PORT_ENV} to the port of `chroma run --host 127.0.0.1 --port N` "
             "(.ci/run starts one) to run the server-mode tests")
needs_server = pytest.mark.skipif(not SERVER_PORT and not os.environ.get(REQUIRE_ENV), reason=NO_SERVER)


def server_client() -> Any:
    if not SERVER_PORT:
        pytest.fail(f"{REQUIRE_ENV} is set but {PORT_ENV} is not")
    return chromadb.HttpClient(host="127.0.0.1", port=int(SERVER_PORT),
                               settings=ChromaSettings(anonymized_telemetry=False))


def server_settings(data_dir: Path, collection: str) -> KnowledgeSettings:
    return KnowledgeSettings(data_dir=data_dir, chroma_host="127.0.0.1", chroma_port=int(SERVER_PORT),
                             collection=collection, _env_file=None)  # type: ignore[call-arg]


def new_collection() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def drop_server_collections(collection: str) -> None:
    client = server_client()
    for name in [collection, *(f"{collection}.catalog.{p}" for p in ("current", "generations",
                                                                      "attributions", "pending"))]:
        try:
            client.delete_collection(name)
        except Exception:  # noqa: BLE001 - never created
            pass


# --- the kb fixture, in both modes ----------------------------------------------------------------

@pytest.fixture(params=["embedded", pytest.param("server", marks=needs_server)])
def store_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mode_settings(store_mode: str, data_dir: Path) -> Iterator[KnowledgeSettings]:
    """Settings for an empty index: a temporary folder, or a fresh collection on the test server."""
    if store_mode == "embedded":
        yield settings_for(data_dir)
        return
    collection = new_collection()
    yield server_settings(data_dir, collection)
    drop_server_collections(collection)


@pytest.fixture
def kb(store_mode: str, mode_settings: KnowledgeSettings, fake_embedder: FakeEmbedder
       ) -> Iterator[KnowledgeBase]:
    """An empty knowledge base in ``store_mode`` (overrides ``conftest.kb`` for the tests below)."""
    with pytest.MonkeyPatch.context() as patch:
        if store_mode == "server":  # the imported failure tests patch the catalogue class they name
            for module in (test_store, test_hardening_store):
                patch.setattr(module, "Catalog", ChromaCatalog)
        knowledge_base = open_knowledge_base(mode_settings, embedder=fake_embedder)
        try:
            yield knowledge_base
        finally:
            knowledge_base.close()


# The store, ingest and answer tests, again, against both modes (their fixtures come along).
_REUSED = {
    test_store: [
        "corpus", "plain_file", "two_texts",
        "test_ingest_example_corpus_counts", "test_ingest_twice_is_a_no_op",
        "test_changed_text_replaces_chunks_and_attributions", "test_metadata_only_change_updates_source",
        "test_forget_removes_source_chunks_and_attributions", "test_forget_unknown_or_ambiguous_id",
        "test_failed_embedding_midway_leaves_everything_as_it_was",
        "test_failed_catalogue_write_leaves_everything_as_it_was",
        "test_failed_metadata_update_leaves_chroma_metadata_as_it_was",
        "test_bad_files_each_give_one_error_and_good_files_are_ingested",
        "test_chroma_metadata_has_only_scalars_and_no_none", "test_collection_uses_cosine_space",
        "test_reingest_without_org_keeps_the_earlier_org", "test_another_org_replaces_the_earlier_org",
        "test_reingest_with_another_kind_keeps_the_earlier_org", "test_two_files_with_one_url_ingest_nothing",
        "test_two_files_with_one_url_are_refused_when_one_is_indexed", "test_forget_by_url_or_path",
        "test_forget_unknown_url_changes_nothing",
    ],
    test_hardening_store: [
        "letter", "recorded",
        "test_ingest_update_and_forget_stay_below_the_limit",
        "test_search_over_more_sources_than_the_limit_merges_the_batches",
        "test_catalogue_reads_more_ids_than_sqlite_variables",
        "test_forget_reaches_vectors_the_catalogue_does_not_own",
        "test_a_file_that_gains_a_url_updates_its_source", "test_a_moved_file_with_its_url_updates_its_source",
        "test_an_unchanged_file_read_from_a_new_place_is_unchanged_and_recorded",
        "test_a_path_of_one_source_and_the_url_of_another_is_refused",
        "test_blank_or_short_selectors_remove_nothing", "test_a_six_character_prefix_is_enough",
    ],
    test_answering: ["harborline", "two_orgs", *(
        name for name, value in vars(test_answering).items()
        if name.startswith("test_") and callable(value)
        and {"kb", "harborline", "two_orgs"} & set(inspect.signature(value).parameters)
        and "catalog._db" not in inspect.getsource(value))],  # (edits SQLite rows: embedded only)
}
for _module, _names in _REUSED.items():
    for _name in _names:
        globals()[_name] = getattr(_module, _name)


# --- configuration (no server needed) ---------------------------------------------------------------

@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", "127.0.0.1"), ("localhost", "localhost"), (" chroma.internal ", "chroma.internal"),
    ("[::1]", "[::1]"), ("", None), ("  ", None),
])
def test_chroma_host_setting(host: str, expected: str | None) -> None:
    assert KnowledgeSettings(chroma_host=host, _env_file=None).chroma_host == expected  # type: ignore[call-arg]


@pytest.mark.parametrize("host", ["http://127.0.0.1", "127.0.0.1:8000", "chroma/api", "a host"])
def test_chroma_host_with_scheme_port_or_path_is_refused(host: str) -> None:
    with pytest.raises(ValidationError, match="KB_CHROMA_PORT"):
        KnowledgeSettings(chroma_host=host, _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_chroma_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(ValidationError):
        KnowledgeSettings(chroma_port=port, _env_file=None)  # type: ignore[call-arg]


def test_the_chroma_catalogue_has_the_sqlite_catalogues_interface() -> None:
    """Every public method of :class:`Catalog` exists on :class:`ChromaCatalog` with the same
    parameters (the composition root passes either to the knowledge base)."""
    for name, member in vars(Catalog).items():
        if name.startswith("_"):
            continue
        assert hasattr(ChromaCatalog, name), f"ChromaCatalog lacks {name}"
        if callable(member):
            ours = list(inspect.signature(getattr(ChromaCatalog, name)).parameters)
            assert ours == list(inspect.signature(member).parameters), name


def test_ci_runs_the_server_tests() -> None:
    """Under ``.ci/run`` (``KB_TEST_REQUIRE_SERVER``) the server must be there and answer."""
    if not os.environ.get(REQUIRE_ENV):
        pytest.skip(f"{REQUIRE_ENV} is not set: the server-mode tests may skip")
    assert SERVER_PORT, f"{PORT_ENV} is not set"
    with urllib.request.urlopen(f"http://127.0.0.1:{SERVER_PORT}/api/v2/heartbeat", timeout=5) as reply:
        assert reply.status == 200


# --- the catalogue's generations, on an embedded client and on the server ---------------------------

@pytest.fixture(params=["embedded", pytest.param("server", marks=needs_server)])
def chroma_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """A Chroma client and a fresh collection name (dropped after the test on the server)."""
    collection = new_collection()
    if request.param == "embedded":
        yield chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                        settings=ChromaSettings(anonymized_telemetry=False)), collection
        return
    yield server_client(), collection
    drop_server_collections(collection)


def _version(source_id: str, revision: int) -> tuple[Source, list[Attribution], list[str]]:
    """A fictional source at ``revision``: every word of it, and every attribution, names the revision."""
    sentences = [f"Revision {revision} sentence {n} of the Kestrel Freight notice." for n in range(6)]
    text = " ".join(sentences)
    source = Source(id=source_id, title=f"Kestrel notice r{revision} (fictional)", kind="notice",
                    locator=f"https://kestrel.example/{source_id}", url=f"https://kestrel.example/{source_id}",
                    organizations=["Kestrel Freight"], content_hash=f"hash-{revision}",
                    ingested_at="2025-03-01T00:00:00+00:00", text=text)
    attributions, start = [], 0
    for sentence in sentences[:revision + 1]:  # each revision has its own number of attributions
        start = text.index(sentence, start)
        attributions.append(Attribution(kind="quote", text=sentence, start=start, end=start + len(sentence),
                                        speaker="Kestrel Freight", speaker_role="notice",
                                        speaker_org="Kestrel Freight"))
    return source, attributions, [f"{source_id}:r{revision}:{n}" for n in range(revision + 1)]


def _put(catalog: ChromaCatalog, source_id: str, revision: int) -> None:
    with catalog.transaction():
        catalog.put(*_version(source_id, revision))


def _whole(catalog: ChromaCatalog, source_id: str) -> int:
    """The revision a reader sees of a source, checking that text, attributions and chunk ids agree."""
    source = catalog.get(source_id)
    assert source is not None
    [revision] = {int(r) for r in re.findall(r"Revision (\d+)", source.text)}
    attributions = catalog.attributions([source_id])[source_id]
    seen = {int(r) for a in attributions for r in re.findall(r"Revision (\d+)", a.text)}
    assert len(seen) == 1, "attributions of two versions at once"
    assert len(attributions) == next(iter(seen)) + 1
    return revision


def test_writes_appear_whole_at_the_flip(chroma_client: tuple[Any, str]) -> None:
    client, collection = chroma_client
    catalog = ChromaCatalog(client, collection, retain_s=0)  # replaced generations dropped at once
    _put(catalog, "src_a", 1)
    _put(catalog, "src_a", 3)
    assert _whole(catalog, "src_a") == 3
    assert catalog.chunk_ids("src_a") == {f"src_a:r3:{n}" for n in range(4)}
    assert catalog.counts() == {"sources": 1, "chunks": 4, "attributions": 4}
    assert catalog.find(url="https://kestrel.example/src_a")["url"] == ["src_a"]
    # the replaced generation is gone: one body and one set of attributions per source
    assert catalog._generations.count() == 1 and catalog._attributions.count() == 4
    with catalog.transaction():
        catalog.delete("src_a")
    assert catalog.get("src_a") is None and catalog.sources() == []
    assert catalog._generations.count() == 0 and catalog._attributions.count() == 0


def test_a_failed_flip_leaves_the_old_version_and_no_shadow(chroma_client: tuple[Any, str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    client, collection = chroma_client
    catalog = ChromaCatalog(client, collection, retain_s=0)
    _put(catalog, "src_a", 1)
    real_upsert = catalog._upsert

    def fail_on_pointers(target: Any, *args: Any) -> None:
        if target is catalog._current:
            raise OSError("server went away")
        real_upsert(target, *args)

    monkeypatch.setattr(catalog, "_upsert", fail_on_pointers)
    with pytest.raises(OSError, match="went away"):
        _put(catalog, "src_a", 2)
    monkeypatch.undo()
    assert _whole(catalog, "src_a") == 1
    assert catalog._generations.count() == 1 and catalog._attributions.count() == 2


def test_a_writer_killed_before_its_flip_is_invisible_and_swept(chroma_client: tuple[Any, str]) -> None:
    client, collection = chroma_client
    catalog = ChromaCatalog(client, collection)
    _put(catalog, "src_a", 1)
    source, attributions, chunk_ids = _version("src_a", 4)
    catalog._write_generation(new_generation(), {"src_a": (source, attributions, chunk_ids)})  # then "killed"

    assert _whole(catalog, "src_a") == 1  # readers see only the current generation
    assert ChromaCatalog(client, collection)._generations.count() == 2  # young: maybe a live writer
    ChromaCatalog(client, collection, grace_s=0)  # opening sweeps abandoned generations
    assert catalog._generations.count() == 1 and catalog._attributions.count() == 2
    assert _whole(catalog, "src_a") == 1


def test_a_reader_finishes_the_version_it_started_and_old_versions_expire(chroma_client: tuple[Any, str]
                                                                          ) -> None:
    client, collection = chroma_client
    writer = ChromaCatalog(client, collection, retain_s=0.5)
    reader = ChromaCatalog(client, collection, sweep=False)
    _put(writer, "src_a", 1)
    source = reader.get("src_a")  # the reader has the text of revision 1 ...
    assert source is not None and "Revision 1" in source.text
    _put(writer, "src_a", 2)  # ... when a writer flips to revision 2
    [*attributions] = reader.attributions(["src_a"])["src_a"]
    assert [a.text for a in attributions] == [source.text[a.start:a.end] for a in attributions]
    assert len(attributions) == 2 and all("Revision 1" in a.text for a in attributions)
    assert _whole(ChromaCatalog(client, collection, sweep=False), "src_a") == 2  # anyone else: the new one
    assert writer._generations.count() == 2  # revision 1 retired, still readable
    time.sleep(0.6)
    _put(writer, "src_b", 1)  # the next commit drops what has been retired long enough
    assert writer._generations.count() == 2 and writer._attributions.count() == 3 + 2


def test_pending_marks_of_a_live_process_are_left_alone(chroma_client: tuple[Any, str]) -> None:
    client, collection = chroma_client
    working = ChromaCatalog(client, collection)
    working.mark_pending(["src_a", "src_b"])
    assert ChromaCatalog(client, collection).pending() == []  # another process opening meanwhile
    later = ChromaCatalog(client, collection, grace_s=0)  # ... or after the grace period
    assert later.pending() == ["src_a", "src_b"]
    working.clear_pending(["src_a"])
    later.clear_pending(["src_b"])  # an abandoned mark is cleared by whoever reconciles it
    assert later.pending() == []


def test_what_readers_keep_is_dropped_when_another_process_writes(chroma_client: tuple[Any, str]) -> None:
    client, collection = chroma_client
    reader = ChromaCatalog(client, collection)
    writer = ChromaCatalog(client, collection, sweep=False)  # another process, as far as Chroma knows
    assert reader.organizations() == []
    before = reader.generation()
    _put(writer, "src_a", 1)
    assert reader.generation() != before
    assert reader.organizations() == ["Kestrel Freight"]
    assert reader.sources_naming(["Kestrel Freight"]) == {"src_a": "hash-1"}
    assert reader.chunk_ids_of(["src_a", "src_unknown"]) == {"src_a": ["src_a:r1:0", "src_a:r1:1"],
                                                             "src_unknown": []}
    with writer.transaction():
        writer.delete("src_a")
    assert reader.organizations() == [] and reader.sources_naming(["Kestrel Freight"]) == {}


def test_sources_naming_reads_the_organisations_listing_only_while_it_is_current(
        chroma_client: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """After :meth:`organizations` read every pointer, a question's sources come from that read (no
    ``$contains`` scan on the server); a write by another process in between is never missed."""
    client, collection = chroma_client
    reader = ChromaCatalog(client, collection)
    writer = ChromaCatalog(client, collection, sweep=False)
    _put(writer, "src_a", 1)
    assert reader.organizations() == ["Kestrel Freight"]
    scans: list[object] = []
    real_get_all = reader._get_all
    monkeypatch.setattr(reader, "_get_all", lambda *a, **k: scans.append(k) or real_get_all(*a, **k))
    assert reader.sources_naming(["Kestrel Freight", "Nobody"]) == {"src_a": "hash-1"}
    assert reader.organization_names() == ["Kestrel Freight"]
    assert scans == []
    _put(writer, "src_b", 2)  # another process writes: the listing is no longer current
    assert reader.sources_naming(["Kestrel Freight"]) == {"src_a": "hash-1", "src_b": "hash-2"}
    assert scans


@pytest.mark.parametrize("store_mode", ["embedded", pytest.param("server", marks=needs_server)], indirect=True)
def test_both_catalogues_list_organisations_alike(kb: KnowledgeBase, tmp_path: Path) -> None:
    """Most-covered first, then alphabetically, in first-seen spelling (names.py relies on the order)."""
    for n, orgs in enumerate([["Glenmarrow Water", "Lumen Bank"], ["glenmarrow water"], ["Glenmarrow Rail"],
                              ["Lumen Bank", "Lumen Bank"], ["Lumen Bank"]]):
        path = tmp_path / f"n{n}.md"
        path.write_text(f"Note {n} about a fictional outage.\n", encoding="utf-8")
        kb.ingest_paths([path], SourceMeta(organizations=orgs))
    assert kb.organizations() == ["Lumen Bank", "Glenmarrow Water", "Glenmarrow Rail"]


def test_readers_see_each_source_whole_while_it_is_rewritten(chroma_client: tuple[Any, str]) -> None:
    client, collection = chroma_client
    writer = ChromaCatalog(client, collection)
    reader = ChromaCatalog(client, collection, sweep=False)
    _put(writer, "src_a", 0)
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for n in range(1, 25):
                _put(writer, "src_a", n % 5)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=write)
    thread.start()
    reads = 0
    while not stop.is_set():
        _whole(reader, "src_a")
        reads += 1
    thread.join()
    assert errors == [] and reads > 0
    assert _whole(reader, "src_a") == 24 % 5


# --- server mode end to end -------------------------------------------------------------------------

@needs_server
def test_server_mode_shares_the_catalogue_and_takes_no_lock(data_dir: Path, fake_embedder: FakeEmbedder
                                                            ) -> None:
    collection = new_collection()
    try:
        settings = server_settings(data_dir, collection)
        with open_knowledge_base(settings, embedder=fake_embedder) as first, \
                open_knowledge_base(settings, embedder=FakeEmbedder()) as second:
            first.ingest_paths([EXAMPLES_DIR])
            assert second.counts() == first.counts() and second.counts()["sources"] == 5
            answer = second.ask("What did Harborline Market actually say?")
            assert answer.quotes and not answer.abstained
        assert not (data_dir / "catalog.sqlite3").exists() and not (data_dir / ".lock").exists()
    finally:
        drop_server_collections(collection)


@needs_server
def test_eval_with_a_corpus_in_server_mode_indexes_it_locally(run: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An evaluation corpus goes into a temporary embedded index, never into the shared server."""
    collection = new_collection()
    corpus = tmp_path / "evalset" / "corpus"
    corpus.mkdir(parents=True)
    for doc in EXAMPLES_DIR.iterdir():
        (corpus / doc.name).write_text(doc.read_text(encoding="utf-8"), encoding="utf-8")
    questions = tmp_path / "evalset" / "questions.yaml"
    questions.write_text(textwrap.dedent("""\
        corpus: corpus
        questions:
          - text: "What did Harborline Market actually say?"
            expected_org: Harborline Market
            expected_phrases: ["configuration mistake"]
        """), encoding="utf-8")
    monkeypatch.setenv("KB_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("KB_CHROMA_PORT", SERVER_PORT)
    monkeypatch.setenv("KB_COLLECTION", collection)
    try:
        code, out, err = run("eval", str(questions))
        assert code == 0, err
        assert collection not in {c.name for c in server_client().list_collections()}
    finally:
        drop_server_collections(collection)


WORKER = r'''
import json, re, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from conftest import FakeEmbedder
from knowledge.records import SourceMeta
from knowledge.service import open_knowledge_base
from knowledge.settings import KnowledgeSettings

role, port, collection, folder, out = sys.argv[2:7]
folder = Path(folder)
settings = KnowledgeSettings(data_dir=folder / ("data-" + role), chroma_host="127.0.0.1", chroma_port=int(port),
                             collection=collection, _env_file=None)
ROUNDS, OWN, SHARED = 4, 6, 4
stats = {"role": role, "asks": 0, "quotes": 0, "abstained": 0, "problems": []}
started = time.monotonic()
with open_knowledge_base(settings, embedder=FakeEmbedder()) as kb:
    if role.startswith("ingest"):
        writer = role[-1]
        def write(i, revision):
            path = folder / "corpus" / f"{writer}-{i}.md"
            path.write_text(
                "---\ntitle: Kestrel Freight update " + f"{writer}-{i}" + " (fictional)\nkind: statement\n"
                "organizations: [Kestrel Freight]\n---\n"
                + f"Depot {writer}{i} revision {revision}: the depot {writer}{i} systems were restored in revision {revision}.\n\n"
                + f"We have written to every customer of depot {writer}{i} about revision {revision}.\n", encoding="utf-8")
            return path
        shared = [folder / "corpus" / f"shared-{i}.md" for i in range(SHARED)]
        for revision in range(1, ROUNDS + 1):
            for i in range(OWN):
                kb.ingest_paths([write(i, revision)])
            kb.ingest_paths(shared)
        kb.forget(str(folder / "corpus" / f"{writer}-0.md"))
        (folder / f"done-{role}").write_text("done")
    else:
        while len(list(folder.glob("done-ingest*"))) < 2:
            answer = kb.ask("What did Kestrel Freight actually say?")
            stats["asks"] += 1
            stats["abstained"] += int(answer.abstained)
            seen, revisions = set(), {}
            for item in answer.quotes:
                key = (item.source.id, item.start, item.end)
                if key in seen:
                    stats["problems"].append(["duplicate quote", item.text])
                seen.add(key)
                stats["quotes"] += 1
                for r in re.findall(r"revision (\d)", item.text):
                    revisions.setdefault(item.source.id, set()).add(r)
            for sid, found in revisions.items():
                if len(found) > 1:
                    stats["problems"].append(["two versions of one source in one answer", sid, sorted(found)])
stats["seconds"] = round(time.monotonic() - started, 2)
Path(out).write_text(json.dumps(stats))
'''


@needs_server
def test_two_writers_and_two_askers_on_one_server(tmp_path: Path) -> None:
    """Two ingest processes (each with its own files, both with the same shared files, four revisions,
    then a forget) and two asking processes at once: nothing lost or duplicated, answers consistent."""
    collection = new_collection()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"shared-{i}.md").write_text(
            "---\ntitle: Kestrel Freight shared note " + str(i) + " (fictional)\nkind: statement\n"
            "organizations: [Kestrel Freight]\n---\n"
            f"Shared note {i}: Kestrel Freight restored its tracking pages for every region.\n", encoding="utf-8")
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        started = time.monotonic()
        roles = ["ingest-a", "ingest-b", "ask-1", "ask-2"]
        procs = {role: subprocess.Popen(
            [sys.executable, str(script), str(TESTS), role, SERVER_PORT, collection, str(tmp_path),
             str(tmp_path / f"{role}.json")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for role in roles}
        for role, proc in procs.items():
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"{role} failed:\n{err[-3000:]}"
        elapsed = time.monotonic() - started
        stats = {role: json.loads((tmp_path / f"{role}.json").read_text()) for role in roles}
        for role in ("ask-1", "ask-2"):
            assert stats[role]["problems"] == [], stats[role]
            assert stats[role]["asks"] > 0
        print(f"multi-writer: {elapsed:.1f} s; " + "; ".join(
            f"{r}: {s['seconds']} s, {s['asks']} asks, {s['quotes']} quotes" for r, s in stats.items()))

        # the final state: every own file at its last revision except the forgotten ones, the shared
        # files once each, every vector owned by exactly one source's current chunks, nothing pending
        settings = server_settings(tmp_path / "check", collection)
        with open_knowledge_base(settings, embedder=FakeEmbedder()) as kb:
            by_path = {s.path: s for s in kb.sources()}
            expected = {str(corpus / f"{w}-{i}.md") for w in "ab" for i in range(1, 6)}
            expected |= {str(corpus / f"shared-{i}.md") for i in range(4)}
            assert set(by_path) == expected
            assert len(kb.sources()) == len(expected)
            for path, source in by_path.items():
                if "shared" not in path:
                    assert "revision 4" in source.text and "revision 3" not in source.text
                assert source.id == source_id_for(path)
            test_hardening_store.consistent(kb)
            catalog = kb.catalog
            assert isinstance(catalog, ChromaCatalog)
            assert ChromaCatalog(settings_client(settings), collection, grace_s=0, retain_s=0).pending() == []
            final = kb.counts()

        # the same files ingested once into an embedded index give the same catalogue
        with open_knowledge_base(settings_for(tmp_path / "reference"), embedder=FakeEmbedder()) as reference:
            reference.ingest_paths(sorted(Path(p) for p in expected))
            assert reference.counts() == final
            assert {s.path: s.text for s in reference.sources()} == {p: s.text for p, s in by_path.items()}
        # no generation is left besides the current ones once abandoned ones are swept
        swept = ChromaCatalog(settings_client(settings), collection, grace_s=0, retain_s=0)
        assert swept._generations.count() == len(expected)
        assert swept._attributions.count() == final["attributions"]
    finally:
        for proc in procs.values() if "procs" in locals() else ():
            if proc.poll() is None:
                proc.kill()
        drop_server_collections(collection)


def settings_client(settings: KnowledgeSettings) -> Any:
    return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                               settings=ChromaSettings(anonymized_telemetry=False))


@needs_server
def test_kill_during_a_server_ingest_leaves_no_orphans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process killed (SIGKILL) after writing vectors and before its catalogue flip: the next open
    after the grace period puts the vectors back in line with the catalogue."""
    collection = new_collection()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    letter = corpus / "letter.md"
    letter.write_text("Kestrel Freight said on Monday that its depots would open late.\n", encoding="utf-8")
    settings = server_settings(tmp_path / "data", collection)
    try:
        with open_knowledge_base(settings, embedder=FakeEmbedder()) as kb:
            kb.ingest_paths([letter])
            before = test_hardening_store.state(kb)
        letter.write_text("Kestrel Freight said on Monday that its depots would open at noon, and that "
                          "every parcel would be delivered by Friday.\n\nIt apologised.\n", encoding="utf-8")
        code = textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            from conftest import FakeEmbedder
            from knowledge.service import open_knowledge_base
            from knowledge.settings import KnowledgeSettings
            settings = KnowledgeSettings(data_dir={str(tmp_path / 'data')!r}, chroma_host="127.0.0.1",
                                         chroma_port={SERVER_PORT}, collection={collection!r}, _env_file=None)
            with open_knowledge_base(settings, embedder=FakeEmbedder()) as kb:
                kb.ingest_paths([__import__("pathlib").Path({str(letter)!r})])
            """)
        hook = tmp_path / "hook.log"
        env = {**os.environ, "PYTHONPATH": str(REPO), "KB_TEST_INGEST_HOOK": str(hook),
               "KB_TEST_INGEST_HOOK_AT": "before-catalogue"}
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while "before-catalogue" not in (hook.read_text() if hook.exists() else ""):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.kill()
        proc.wait()

        with open_knowledge_base(settings, embedder=FakeEmbedder()) as kb:  # within the grace period
            assert kb.vectors.count() > kb.counts()["chunks"]  # the dead writer's vectors are still there
            assert test_hardening_store.state(kb)["sources"] == before["sources"]
        monkeypatch.setattr("knowledge.chroma_catalog.DEFAULT_GRACE_S", 0.0)
        with open_knowledge_base(settings, embedder=FakeEmbedder()) as kb:  # after it: reconciled
            test_hardening_store.consistent(kb)
            assert test_hardening_store.state(kb) == before
    finally:
        drop_server_collections(collection)
