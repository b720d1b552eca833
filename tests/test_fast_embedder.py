"""The onnx-int8 embedding backend: same vectors as fp32 within tolerance, its cache, the setting.

One real export of the bundled model runs per test session (module fixture, about ten seconds);
the cache tests then replace the export with a copy of that file, so they stay fast.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from conftest import settings_for
from knowledge import embeddings as embeddings_module
from knowledge import onnx_embedder
from knowledge.embeddings import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_SHA256,
    SentenceTransformerEmbedder,
    bundled_model_dir,
    create_embedder,
)
from knowledge.errors import ConfigurationError
from knowledge.onnx_embedder import EXPORT_RECIPE, OnnxInt8Embedder, cached_model_path, ensure_int8_model
from knowledge.settings import KnowledgeSettings

TEXTS = [
    "Harborline Market emailed its customers on Tuesday to say that a configuration error had let "
    "other shoppers see order histories for about six hours, and that no payment card numbers were "
    "exposed.",
    "“We have fixed the setting and we are reviewing every change made to it,” the company said in a "
    "statement, adding that it had informed the data protection regulator.",
    "Security researchers said the exposure looked like a misconfigured cache rather than an attack.",
    "Did the retailer call it a breach?",
    "We have fixed it.",
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def fast(cache_dir: Path) -> OnnxInt8Embedder:
    embedder = create_embedder(backend="onnx-int8", cache_dir=cache_dir)
    assert isinstance(embedder, OnnxInt8Embedder)
    return embedder


@pytest.fixture(scope="module")
def fp32() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def copying_export(good: Path, calls: list[Path]) -> Callable[[Path, Path, str], None]:
    """An export that copies an already exported file (and records where it wrote)."""

    def export(model_dir: Path, target: Path, weights_sha256: str) -> None:
        calls.append(target)
        shutil.copyfile(good, target)
        record = {"recipe": EXPORT_RECIPE, "source_sha256": weights_sha256,
                  "onnx_sha256": onnx_embedder._sha256(target)}
        target.with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")

    return export


def test_fast_vectors_match_fp32(fast: OnnxInt8Embedder, fp32: SentenceTransformerEmbedder) -> None:
    a, b = np.array(fast.embed(TEXTS)), np.array(fp32.embed(TEXTS))

    cosines = (a * b).sum(axis=1)
    assert a.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert cosines.min() >= 0.98, cosines
    assert cosines.mean() >= 0.99, cosines
    # a text's vector does not depend on the texts embedded with it
    assert np.allclose(np.array(fast.embed(TEXTS[::-1]))[::-1], a, atol=1e-6)
    assert np.allclose(fast.embed(TEXTS[1:2])[0], a[1], atol=1e-6)
    assert fast.embed([]) == []


def test_fast_embedder_has_the_fp32_identity_and_token_counts(fast: OnnxInt8Embedder,
                                                              fp32: SentenceTransformerEmbedder) -> None:
    assert (fast.name, fast.dimension, fast.max_tokens, fast.weights_sha256) == (
        fp32.name, fp32.dimension, fp32.max_tokens, fp32.weights_sha256) == (
        DEFAULT_MODEL, 384, 256, DEFAULT_MODEL_SHA256)
    long_text = " ".join(TEXTS * 8)
    for text in [*TEXTS, long_text, "", "  spaced  "]:
        assert fast.count_tokens(text) == fp32.count_tokens(text)
    # past the 256-word-piece window both truncate the same way
    assert float(np.dot(fast.embed([long_text])[0], fp32.embed([long_text])[0])) >= 0.98


def test_cached_file_is_named_by_model_and_weights(fast: OnnxInt8Embedder, cache_dir: Path) -> None:
    assert fast.model_path == cache_dir / f"all-MiniLM-L6-v2-{DEFAULT_MODEL_SHA256[:12]}-int8.onnx"
    record = json.loads(fast.model_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert record["source_sha256"] == DEFAULT_MODEL_SHA256
    assert len(record["kept_fp32"]) == 6  # each layer's feed-forward output projection
    assert not list(cache_dir.glob(".export-*"))  # no temporary files left


def test_the_fast_path_does_not_import_torch(fast: OnnxInt8Embedder, cache_dir: Path) -> None:
    code = ("import sys; from pathlib import Path; from knowledge.embeddings import create_embedder; "
            f"e = create_embedder(backend='onnx-int8', cache_dir=Path({str(cache_dir)!r})); e.embed(['x']); "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout
    assert out.strip() == "[]"


def test_the_cache_is_reused(fast: OnnxInt8Embedder, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_embedder, "export_int8", no_export)
    again = create_embedder(backend="onnx-int8", cache_dir=cache_dir)

    assert np.allclose(again.embed(TEXTS[:1]), fast.embed(TEXTS[:1]), atol=1e-6)


def test_the_cache_is_rebuilt_when_the_weights_hash_changes(fast: OnnxInt8Embedder, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(onnx_embedder, "export_int8", copying_export(fast.model_path, calls))
    cache = tmp_path / "models"

    ensure_int8_model(bundled_model_dir(), cache, DEFAULT_MODEL, "a" * 64)
    ensure_int8_model(bundled_model_dir(), cache, DEFAULT_MODEL, "a" * 64)  # cached: no export
    other = ensure_int8_model(bundled_model_dir(), cache, DEFAULT_MODEL, "b" * 64)

    assert calls == [cached_model_path(cache, DEFAULT_MODEL, "a" * 64), other]
    assert other.name == f"{DEFAULT_MODEL}-bbbbbbbbbbbb-int8.onnx"
    # a record that names other weights (or another recipe) at the same path is rebuilt too
    record_path = other.with_suffix(".json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "recipe": EXPORT_RECIPE - 1}), encoding="utf-8")
    ensure_int8_model(bundled_model_dir(), cache, DEFAULT_MODEL, "b" * 64)
    assert len(calls) == 3


def test_a_corrupt_cached_file_is_rebuilt(fast: OnnxInt8Embedder, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(onnx_embedder, "export_int8", copying_export(fast.model_path, calls))
    cache = tmp_path / "models"
    first = OnnxInt8Embedder(bundled_model_dir(), weights_sha256=DEFAULT_MODEL_SHA256, name=DEFAULT_MODEL,
                             cache_dir=cache)
    with first.model_path.open("r+b") as handle:  # flip bytes in the middle of the weights
        handle.seek(first.model_path.stat().st_size // 2)
        handle.write(b"\x00" * 4096)

    second = OnnxInt8Embedder(bundled_model_dir(), weights_sha256=DEFAULT_MODEL_SHA256, name=DEFAULT_MODEL,
                              cache_dir=cache)

    assert len(calls) == 2
    assert np.allclose(second.embed(TEXTS[:1]), fast.embed(TEXTS[:1]), atol=1e-6)


def test_a_cached_file_that_will_not_load_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def garbage_export(model_dir: Path, target: Path, weights_sha256: str) -> None:
        target.write_bytes(b"not an onnx model")
        record = {"recipe": EXPORT_RECIPE, "source_sha256": weights_sha256,
                  "onnx_sha256": onnx_embedder._sha256(target)}
        target.with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")

    monkeypatch.setattr(onnx_embedder, "export_int8", garbage_export)

    with pytest.raises(ConfigurationError) as caught:
        OnnxInt8Embedder(bundled_model_dir(), weights_sha256=DEFAULT_MODEL_SHA256, name=DEFAULT_MODEL,
                         cache_dir=tmp_path / "models")

    message = str(caught.value)
    assert "\n" not in message
    assert "KB_EMBEDDING_BACKEND=fp32" in message


def test_a_failed_export_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "model"
    broken.mkdir()
    for item in bundled_model_dir().iterdir():
        if item.name != "config.json":
            (broken / item.name).symlink_to(item)
    (broken / "config.json").write_text('{"model_type": "bert", "hidden_size": "many"}', encoding="utf-8")

    with pytest.raises(ConfigurationError) as caught:
        onnx_embedder.export_int8(broken, tmp_path / "models" / "m-int8.onnx", "c" * 64)

    assert "\n" not in str(caught.value) and "KB_EMBEDDING_BACKEND=fp32" in str(caught.value)
    assert not (tmp_path / "models" / "m-int8.onnx").exists()


def test_a_model_that_is_not_mean_pooled_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cls-model"
    folder.mkdir()
    for item in bundled_model_dir().iterdir():
        if item.name != "1_Pooling":
            (folder / item.name).symlink_to(item)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 384, "pooling_mode_cls_token": True}), encoding="utf-8")

    with pytest.raises(ConfigurationError) as caught:
        create_embedder(str(folder), DEFAULT_MODEL_SHA256, backend="onnx-int8", cache_dir=tmp_path / "models")

    assert "mean pooling" in str(caught.value) and "KB_EMBEDDING_BACKEND=fp32" in str(caught.value)


def test_the_setting_selects_the_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KB_EMBEDDING_BACKEND", raising=False)
    monkeypatch.delenv("KB_MODEL_CACHE_DIR", raising=False)
    settings = settings_for(tmp_path / "data")
    assert settings.embedding_backend == "onnx-int8"
    assert settings.model_cache_dir == tmp_path / "data" / "models"
    # a copy for a temporary index (as eval makes) keeps the same cache
    assert settings.model_copy(update={"data_dir": tmp_path / "tmp"}).model_cache_dir == tmp_path / "data" / "models"
    monkeypatch.setenv("KB_EMBEDDING_BACKEND", "FP32")
    monkeypatch.setenv("KB_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    settings = settings_for(tmp_path / "data")
    assert (settings.embedding_backend, settings.model_cache_dir) == ("fp32", tmp_path / "cache")
    monkeypatch.setenv("KB_EMBEDDING_BACKEND", "int4")
    with pytest.raises(ValidationError):
        KnowledgeSettings(_env_file=None)  # type: ignore[call-arg]

    built: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(embeddings_module, "SentenceTransformerEmbedder",
                        lambda model, **kw: built.append(("fp32", kw)) or "fp32-model")
    monkeypatch.setattr(onnx_embedder, "OnnxInt8Embedder",
                        lambda location, **kw: built.append(("onnx-int8", kw)) or "onnx-model")
    assert create_embedder(backend="fp32") == "fp32-model"
    assert create_embedder(backend="onnx-int8", cache_dir=tmp_path / "c") == "onnx-model"
    assert built[1][1]["cache_dir"] == tmp_path / "c"
    assert built[1][1]["weights_sha256"] == DEFAULT_MODEL_SHA256
    with pytest.raises(ConfigurationError, match="KB_EMBEDDING_BACKEND"):
        create_embedder(backend="int4")


def test_an_unwritable_cache_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")

    with pytest.raises(ConfigurationError) as caught:
        ensure_int8_model(bundled_model_dir(), blocker / "models", DEFAULT_MODEL, "d" * 64)

    message = str(caught.value)
    assert "\n" not in message and "KB_MODEL_CACHE_DIR" in message and "KB_EMBEDDING_BACKEND=fp32" in message
