"""Shared fixtures: a deterministic fake embedder and a knowledge base opened on a temporary folder.

Like simonw/llm's ``tests/conftest.py``, the fake embedder is a hashed bag of words: no model is
loaded, the same text always gets the same vector, and texts sharing words are close in cosine
distance, which is enough for retrieval tests over the fictional Harborline corpus.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from knowledge.service import KnowledgeBase, open_knowledge_base
from knowledge.settings import KnowledgeSettings
from web_server import web_server  # noqa: F401 - the local HTTP server fixture (tests/web_server.py)

@pytest.fixture(scope="session", autouse=True)
def shared_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the int8 model export for the whole run (``KB_MODEL_CACHE_DIR``), so a test
    that opens a knowledge base with the real model does not export it again into its own folder."""
    folder = tmp_path_factory.mktemp("models")
    before = os.environ.get("KB_MODEL_CACHE_DIR")
    os.environ["KB_MODEL_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("KB_MODEL_CACHE_DIR", None)
    else:
        os.environ["KB_MODEL_CACHE_DIR"] = before


#: The bundled fictional example corpus (Harborline Market).
EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "examples" / "harborline"

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Hashed bag-of-words vectors, L2-normalised; satisfies :class:`knowledge.embeddings.Embedder`.

    Args:
        name: stored with the collection; another name on the same folder is another model.
        dimension: length of every vector.

    Attributes:
        calls: every batch passed to :meth:`embed`, in order (to count or fail batches in tests).
    """

    max_tokens = 256

    def __init__(self, name: str = "fake-embedder", dimension: int = 64) -> None:
        self.name = name
        self.dimension = dimension
        self.calls: list[list[str]] = []

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in _WORD.findall(text.lower()):
            digest = hashlib.md5(word.encode()).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0:
            vector[0], norm = 1.0, 1.0
        return [v / norm for v in vector]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [self._vector(t) for t in texts]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def settings_for(data_dir: Path) -> KnowledgeSettings:
    """``KB_*`` settings for ``data_dir`` that ignore any ``.env`` file in the working directory."""
    return KnowledgeSettings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def kb(data_dir: Path, fake_embedder: FakeEmbedder) -> Iterator[KnowledgeBase]:
    """An empty knowledge base on ``data_dir`` with the fake embedder; closed (lock released) after."""
    knowledge_base = open_knowledge_base(settings_for(data_dir), embedder=fake_embedder)
    try:
        yield knowledge_base
    finally:
        knowledge_base.close()


@pytest.fixture
def run(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the ``disclosure-bot`` command line in-process with ``--data-dir``, an empty ``--env-file``
    and the fake embedder; returns ``(exit code, stdout, stderr)``."""
    from bot import cli as bot_cli
    from knowledge import service

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
