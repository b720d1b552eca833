"""Hardening of the embedding model (issue 9, items 1 and 2): every way a model can fail to load is
one line saying what to provide, and an index refuses a model other than the one that built it
(name, vector dimension, weights' sha256), with advice to rebuild.

No network: hub names are looked up in the local cache only. Fictional texts only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import EXAMPLES_DIR, FakeEmbedder, settings_for
from knowledge import embeddings as embeddings_module
from knowledge import service
from knowledge.embeddings import (
    DEFAULT_MODEL_SHA256,
    SentenceTransformerEmbedder,
    bundled_model_dir,
    create_embedder,
    locate_model,
)
from knowledge.errors import ConfigurationError, ModelIntegrityError, ModelMismatchError
from knowledge.lock import DataDirLock
from knowledge.service import open_knowledge_base

Run = Callable[..., tuple[int, str, str]]


class WeighedEmbedder(FakeEmbedder):
    """The fake embedder with a weights digest, as the real one has."""

    def __init__(self, name: str = "fake-embedder", dimension: int = 64, weights_sha256: str = "a" * 64) -> None:
        super().__init__(name, dimension)
        self.weights_sha256 = weights_sha256


def _linked_model(folder: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """A folder of symlinks to the bundled model's files, except ``skip``."""
    folder.mkdir(parents=True)
    for item in bundled_model_dir().iterdir():
        if item.name not in skip:
            (folder / item.name).symlink_to(item)
    return folder


# --- 1: a model that cannot load is one line saying what to provide -------------------------------

def _empty(tmp: Path) -> str:
    (tmp / "m").mkdir()
    return str(tmp / "m")


def _config_braces(tmp: Path) -> str:
    (tmp / "m").mkdir()
    (tmp / "m" / "config.json").write_text("{}", encoding="utf-8")
    return str(tmp / "m")


def _config_garbage(tmp: Path) -> str:
    folder = _linked_model(tmp / "m", skip=("config.json",))
    (folder / "config.json").write_text("{model_type: bert", encoding="utf-8")
    return str(folder)


def _no_weights(tmp: Path) -> str:
    return str(_linked_model(tmp / "m", skip=("model.safetensors",)))


def _truncated_weights(tmp: Path) -> str:
    folder = _linked_model(tmp / "m", skip=("model.safetensors",))
    (folder / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    return str(folder)


def _missing(tmp: Path) -> str:
    return str(tmp / "nowhere")


def _a_file(tmp: Path) -> str:
    (tmp / "model.bin").write_bytes(b"\x00" * 16)
    return str(tmp / "model.bin")


def _uncached_hub_name(tmp: Path) -> str:
    return "example-org/never-downloaded-model"


BROKEN = {
    "empty folder": (_empty, "is empty"),
    "config.json {}": (_config_braces, "model_type"),
    "config.json not JSON": (_config_garbage, "not readable JSON"),
    "no weights": (_no_weights, "no weights"),
    "truncated weights": (_truncated_weights, "cannot load"),
    "missing folder": (_missing, "does not exist"),
    "a file": (_a_file, "not a folder"),
    "uncached hub name": (_uncached_hub_name, "local Hugging Face cache"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_model_is_one_line_naming_what_to_provide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           case: str) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))  # an empty cache: never downloads
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    make, expected = BROKEN[case]
    model = make(tmp_path)

    with pytest.raises(ConfigurationError) as caught:
        SentenceTransformerEmbedder(model)

    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert "KB_EMBEDDING_MODEL" in message  # what to set
    assert "huggingface.co" not in message


def test_wrong_weights_digest_is_refused_before_loading(tmp_path: Path) -> None:
    folder = _linked_model(tmp_path / "m")

    with pytest.raises(ModelIntegrityError) as caught:
        create_embedder(str(folder), "0" * 64)

    message = str(caught.value)
    assert DEFAULT_MODEL_SHA256 in message and "KB_EMBEDDING_MODEL_SHA256" in message
    assert "\n" not in message


def test_a_folder_model_records_its_weights_digest(tmp_path: Path) -> None:
    folder = _linked_model(tmp_path / "m")

    assert locate_model(str(folder)) == folder
    model = create_embedder(str(folder), DEFAULT_MODEL_SHA256.upper())
    assert model.weights_sha256 == DEFAULT_MODEL_SHA256
    assert model.name == "all-MiniLM-L6-v2"  # the bundled weights, whatever the folder


@pytest.mark.parametrize("case", ["empty folder", "config.json {}", "uncached hub name"])
def test_cli_with_a_broken_model_prints_one_line(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 case: str) -> None:
    monkeypatch.setattr(service, "create_embedder", embeddings_module.create_embedder)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    model = BROKEN[case][0](tmp_path)
    monkeypatch.setenv("KB_EMBEDDING_MODEL", model)

    code, out, err = run("ask", "What did Harborline Market say?")

    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "KB_EMBEDDING_MODEL" in err


def test_cli_with_a_malformed_digest_setting_prints_one_line(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_EMBEDDING_MODEL_SHA256", "not-a-digest")

    code, _, err = run("sources")

    assert code == 2 and err.count("\n") == 1 and "embedding_model_sha256" in err


# --- 2: the index refuses another model ------------------------------------------------------------

def _build(data_dir: Path, embedder: FakeEmbedder) -> None:
    with open_knowledge_base(settings_for(data_dir), embedder=embedder) as kb:
        kb.ingest_paths([EXAMPLES_DIR])


@pytest.mark.parametrize("other, shown", [
    (WeighedEmbedder(dimension=96), "96 dimensions"),
    (WeighedEmbedder(weights_sha256="b" * 64), "bbbbbbbbbbbb"),
    (WeighedEmbedder(name="another-model"), "another-model"),
], ids=["dimension", "weights", "name"])
def test_another_model_is_refused_with_advice_to_rebuild(data_dir: Path, other: FakeEmbedder,
                                                         shown: str) -> None:
    _build(data_dir, WeighedEmbedder())

    with pytest.raises(ModelMismatchError) as caught:
        open_knowledge_base(settings_for(data_dir), embedder=other)

    message = str(caught.value)
    assert shown in message and "64 dimensions" in message and "aaaaaaaaaaaa" in message
    assert "rebuild" in message and "KB_DATA_DIR" in message and "\n" not in message
    DataDirLock(data_dir).acquire()  # the refusal released the lock


def test_an_index_without_a_recorded_digest_adopts_the_first_one(data_dir: Path) -> None:
    _build(data_dir, FakeEmbedder())  # no weights digest, as indexes made before it was recorded

    with open_knowledge_base(settings_for(data_dir), embedder=WeighedEmbedder()) as kb:
        assert kb.vectors.identity()["embedding_sha256"] == "a" * 64
    with pytest.raises(ModelMismatchError):
        open_knowledge_base(settings_for(data_dir), embedder=WeighedEmbedder(weights_sha256="c" * 64))


def test_the_dimension_is_read_from_the_vectors_themselves(data_dir: Path) -> None:
    _build(data_dir, FakeEmbedder(dimension=64))
    with open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder(dimension=64)) as kb:
        collection = kb.vectors.langchain._collection
        collection.modify(metadata={**collection.metadata, "embedding_dimension": 32})  # a wrong label

    with pytest.raises(ModelMismatchError, match="64 dimensions"):
        open_knowledge_base(settings_for(data_dir), embedder=FakeEmbedder(dimension=32))


def test_an_empty_index_takes_the_new_model(data_dir: Path) -> None:
    _build(data_dir, WeighedEmbedder())
    with open_knowledge_base(settings_for(data_dir), embedder=WeighedEmbedder()) as kb:
        for source in kb.sources():
            kb.forget(source.id)

    with open_knowledge_base(settings_for(data_dir), embedder=WeighedEmbedder(dimension=96)) as kb:
        kb.ingest_paths([EXAMPLES_DIR])
        assert kb.vectors.identity()["embedding_dimension"] == 96
        assert kb.vectors.langchain._collection.configuration["hnsw"]["space"] == "cosine"
        assert not kb.ask("What did Harborline Market actually say?").abstained


def test_cli_ask_with_another_model_is_one_line(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    run("ingest", str(EXAMPLES_DIR))
    monkeypatch.setattr(service, "create_embedder", lambda *a, **k: FakeEmbedder(dimension=96))

    code, _, err = run("ask", "What did Harborline Market actually say?")

    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1 and "rebuild" in err


def test_real_model_behind_a_repointed_symlink_is_refused(tmp_path: Path, data_dir: Path) -> None:
    """The issue's case: one path, other weights behind it (here: the bundled weights, perturbed)."""
    from safetensors.torch import load_file, save_file

    original = _linked_model(tmp_path / "original")
    changed = _linked_model(tmp_path / "changed", skip=("model.safetensors",))
    tensors = load_file(str(bundled_model_dir() / "model.safetensors"))
    first = next(iter(tensors))
    tensors[first] = tensors[first] * 1.01
    save_file(tensors, str(changed / "model.safetensors"))
    link = tmp_path / "current-model"
    link.symlink_to(original)
    settings = settings_for(data_dir).model_copy(update={"embedding_model": str(link)})
    letter = tmp_path / "letter.txt"
    letter.write_text("Harborline Market said its stores would open late on Monday.\n", encoding="utf-8")
    with open_knowledge_base(settings) as kb:
        kb.ingest_paths([letter])
    link.unlink()
    link.symlink_to(changed)

    with pytest.raises(ModelMismatchError, match="weights sha256"):
        open_knowledge_base(settings)


def test_a_blank_model_setting_is_the_bundled_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge.settings import KnowledgeSettings

    monkeypatch.setenv("KB_EMBEDDING_MODEL", " ")
    monkeypatch.setenv("KB_EMBEDDING_MODEL_SHA256", "")

    settings = KnowledgeSettings(_env_file=None)  # type: ignore[call-arg]

    assert (settings.embedding_model, settings.embedding_model_sha256) == ("all-MiniLM-L6-v2", None)
