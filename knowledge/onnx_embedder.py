"""The embedding model run by ONNX Runtime with int8 weights: the fast path (``KB_EMBEDDING_BACKEND=onnx-int8``).

The sentence-transformers model's transformer is exported once to ONNX from its local, sha256-checked
weights and its linear layers are quantised to int8 (onnxruntime's dynamic quantisation, per output
channel), except the feed-forward output projections, whose inputs (after GELU) have the widest range
and lose the most to 8 bits: keeping those six in float32 takes the mean cosine to fp32 from 0.994 to
0.997 for about a third more time (``scripts/embedder_quality.py`` measures both). The result is cached as
``<cache_dir>/<name>-<sha12>-int8.onnx`` with a small JSON record beside it (the source weights'
sha256, the exported file's sha256, the recipe version), both written atomically under a file lock.
The cache is rebuilt when it is missing, when its record names other source weights or another recipe,
or when the file's own digest no longer matches (a truncated or corrupted copy).

At run time only ``onnxruntime``, ``tokenizers`` and ``numpy`` are imported: no torch, no
sentence-transformers. Text is tokenised with the model's own ``tokenizer.json``, truncated to the
model's window, and pooled exactly as sentence-transformers does for all-MiniLM-L6-v2 (mean of the
token vectors under the attention mask, then L2 normalisation). Only the export imports torch.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from knowledge.errors import ConfigurationError

log = logging.getLogger(__name__)

#: Changes when the export or quantisation changes, so older cached files are rebuilt.
EXPORT_RECIPE = 1
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_FIX = "set KB_EMBEDDING_BACKEND=fp32 to use the model without ONNX"
#: MatMul nodes left in float32: each layer's feed-forward output projection.
_KEEP_FP32 = re.compile(r"/layer\.\d+/output/dense/MatMul$")


def cached_model_path(cache_dir: Path, name: str, weights_sha256: str) -> Path:
    """Where the int8 export of the weights with digest ``weights_sha256`` is cached."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[-60:] or "model"
    return cache_dir / f"{safe}-{weights_sha256[:12]}-int8.onnx"


def _record_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def cache_is_valid(model_path: Path, weights_sha256: str) -> bool:
    """True when ``model_path`` and its record exist, name these source weights and this recipe, and
    the file's digest is the one recorded."""
    try:
        record = json.loads(_record_path(model_path).read_text(encoding="utf-8"))
        return (isinstance(record, dict)
                and record.get("recipe") == EXPORT_RECIPE
                and record.get("source_sha256") == weights_sha256
                and record.get("onnx_sha256") == _sha256(model_path))
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _export_lock(cache_dir: Path) -> Iterator[None]:
    """One export at a time per cache folder, across processes."""
    with (cache_dir / ".export.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def export_int8(model_dir: Path, target: Path, weights_sha256: str) -> None:
    """Export the transformer in ``model_dir`` to ONNX, quantise it to int8 and write it to ``target``
    with its record, atomically (temporary files in the same folder, then renames).

    Imports torch and transformers: this runs once per weights, not at every start.

    Raises:
        ConfigurationError: the export or the quantisation failed (one line).
    """
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:
        raise ConfigurationError(f"cannot build the int8 ONNX embedding model: {exc}; install "
                                 f"disclosure-bot again (it needs torch and onnx), or {_FIX}") from exc

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bar on a user's first start
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("exporting the embedding model in %s to int8 ONNX at %s (once per weights)", model_dir, target)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp, \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fp32 = Path(tmp) / "model-fp32.onnx"
            int8 = Path(tmp) / "model-int8.onnx"
            module = _LastHiddenState(AutoModel.from_pretrained(str(model_dir), local_files_only=True)).eval()
            dummy = torch.ones(2, 8, dtype=torch.long)
            axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
            with torch.no_grad():
                torch.onnx.export(module, (dummy, torch.ones_like(dummy), torch.zeros_like(dummy)),
                                  str(fp32), dynamo=False, input_names=list(_INPUTS),
                                  output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17)
            import onnx

            keep_fp32 = [node.name for node in onnx.load(str(fp32), load_external_data=False).graph.node
                         if node.op_type == "MatMul" and _KEEP_FP32.search(node.name)]
            quiet = logging.getLogger()  # quantize_dynamic advises pre-processing on the root logger
            level = quiet.level
            quiet.setLevel(logging.ERROR)
            try:
                quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True,
                                 nodes_to_exclude=keep_fp32, extra_options={"MatMulConstBOnly": True})
            finally:
                quiet.setLevel(level)
            record = {"recipe": EXPORT_RECIPE, "source_sha256": weights_sha256,
                      "onnx_sha256": _sha256(int8), "quantization": "dynamic int8, per channel, MatMul weights",
                      "kept_fp32": keep_fp32}
            record_tmp = Path(tmp) / "record.json"
            record_tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
            os.replace(int8, target)
            os.replace(record_tmp, _record_path(target))
    except ConfigurationError:
        raise
    except Exception as exc:  # noqa: BLE001 - every way an export can fail becomes one line
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise ConfigurationError(f"cannot build the int8 ONNX embedding model from {model_dir}: {reason}; "
                                 f"{_FIX}") from exc


def ensure_int8_model(model_dir: Path, cache_dir: Path, name: str, weights_sha256: str) -> Path:
    """The cached int8 export for these weights, exported first when missing, stale or corrupt."""
    target = cached_model_path(cache_dir, name, weights_sha256)
    if cache_is_valid(target, weights_sha256):
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _export_lock(cache_dir):
            if not cache_is_valid(target, weights_sha256):  # another process may have just built it
                if target.exists():
                    log.warning("cached ONNX model %s does not match its record or the weights; rebuilding",
                                target)
                export_int8(model_dir, target, weights_sha256)
    except OSError as exc:
        raise ConfigurationError(f"cannot write the int8 ONNX embedding model in {cache_dir} ({exc.strerror or exc}); "
                                 f"set KB_MODEL_CACHE_DIR to a writable folder, or {_FIX}") from None
    return target


def check_mean_pooling(model_dir: Path) -> int:
    """Check that ``model_dir`` is a transformer + mean pooling (+ normalise) sentence-transformers
    model, the only layout this backend reproduces, and return its ``max_seq_length``.

    Raises:
        ConfigurationError: another layout (CLS or max pooling, dense layers...).
    """
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((model_dir / pooling_dir / "config.json").read_text(encoding="utf-8"))
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, StopIteration) as exc:
        raise ConfigurationError(f"embedding model folder {model_dir} has no readable modules.json, "
                                 f"pooling config or sentence_bert_config.json ({exc}); {_FIX}") from None
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"} \
            or modes != {"pooling_mode_mean_tokens"} or config.get("do_lower_case"):
        raise ConfigurationError(f"the onnx-int8 backend reproduces transformer + mean pooling models only; "
                                 f"{model_dir} has {kinds} with {sorted(modes)}; {_FIX}")
    return int(config.get("max_seq_length") or 256)


class OnnxInt8Embedder:
    """A sentence-transformers mean-pooling model run by ONNX Runtime with int8 weights.

    Args:
        model_dir: the model's local folder (weights already checked by the caller).
        weights_sha256: the digest of the source weights (names the cache file; recorded by the index).
        name: the model's name, as the index records it.
        cache_dir: folder for the exported model (``<data_dir>/models`` by default).
        threads: ONNX Runtime's intra-op threads; 0 lets it choose (one per physical core). Its
            threads do not spin while waiting, which matters on a machine shared with other work.

    Raises:
        ConfigurationError: the model is not a mean-pooling model, or the export or the cached file
            cannot be used (one line).
    """

    backend = "onnx-int8"

    def __init__(self, model_dir: Path, *, weights_sha256: str, name: str, cache_dir: Path,
                 threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        self.weights_sha256 = weights_sha256
        self.max_tokens = check_mean_pooling(model_dir)
        try:
            self._counter = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - a missing or unreadable tokenizer is one line
            raise ConfigurationError(f"cannot read {model_dir / 'tokenizer.json'} ({exc}); {_FIX}") from None
        self._counter.no_truncation()
        self._counter.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        cache_dir = cache_dir.expanduser()
        path = ensure_int8_model(model_dir, cache_dir, name, weights_sha256)
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - a file that passed its digest check but will not load
            log.warning("cached ONNX model %s does not load; rebuilding it", path)
            with _export_lock(cache_dir):
                export_int8(model_dir, path, weights_sha256)
            try:
                self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # noqa: BLE001
                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                raise ConfigurationError(f"cannot load the int8 ONNX embedding model {path}: {reason}; "
                                         f"delete it to rebuild it, or {_FIX}") from exc
        self._feeds = [i.name for i in self._session.get_inputs()]
        self.dimension = int(self._session.get_outputs()[0].shape[-1])
        self.model_path = path
        log.info("loaded embedding model %s as int8 ONNX from %s (%d dimensions, %d-token window)",
                 name, path, self.dimension, self.max_tokens)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one L2-normalised vector per text, in order.

        Each text runs alone (no padding), so its vector never depends on the texts batched with it:
        dynamic quantisation scales activations per tensor, and padding or longer neighbours would
        change that scale. Without padding nothing is computed for nothing, which on a CPU is faster
        than batches of 32 sorted by length.
        """
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), 256):
            # sentence-transformers strips before tokenising; the Rust tokenizer encodes in parallel
            encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts[start:start + 256]])
            for offset, encoding in enumerate(encodings):
                out[start + offset] = self._embed_one(encoding.ids, encoding.type_ids)
        return out.tolist()

    def _embed_one(self, ids: list[int], type_ids: list[int]) -> np.ndarray:
        feeds = {"input_ids": np.array([ids], dtype=np.int64),
                 "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
                 "token_type_ids": np.array([type_ids], dtype=np.int64)}
        hidden = self._session.run(None, {name: feeds[name] for name in self._feeds})[0][0]
        pooled = hidden.mean(axis=0)  # every token is real: the attention-masked mean is the mean
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text`` (no special tokens, no truncation)."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)
