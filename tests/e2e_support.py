"""Running the real bot process against the fake Discord: start, one interaction's exchange, stop.

Used by ``tests/test_e2e_discord.py`` and ``scripts/bench_discord.py``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord, Request

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "knowledge" / "examples" / "harborline"
#: Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9
EPHEMERAL = 1 << 6
ORG = "Harborline Market"
MESSAGE_COMMAND = "What did they actually say?"
#: Every command the bot syncs; each has end-to-end tests in test_e2e_discord.py or
#: test_e2e_discord_admin.py (checked by test_every_synced_command_is_covered).
E2E_COMMANDS = {"ask", "said", "sources", "source", "about", "ingest", "forget", "reports", "watch", "unwatch",
                "feeds", MESSAGE_COMMAND}

_QUOTED = re.compile(r"“([^”]+)”")
_ESCAPED = re.compile(r"\\([\\*_~`|>#<\[\]()-])")


def unescape(text: str) -> str:
    """``text`` without Discord markdown escapes, whitespace collapsed."""
    return " ".join(_ESCAPED.sub(r"\1", text).split())


def corpus() -> str:
    """The example corpus's text, whitespace collapsed (what quotes must be found in)."""
    return " ".join("\n".join(p.read_text(encoding="utf-8") for p in sorted(EXAMPLES_DIR.glob("*.md"))).split())


def quotes(text: str) -> list[str]:
    """Pieces of every “…” quote in rendered text, unescaped, split at the "…" of a cut."""
    pieces = []
    for quoted in _QUOTED.findall(text):
        for piece in _ESCAPED.sub(r"\1", quoted).split("…"):
            if len(piece.strip()) >= 12:
                pieces.append(" ".join(piece.split()))
    return pieces


def not_verbatim(text: str) -> list[str]:
    """The quotes in rendered ``text`` that are not the example corpus's words (should be none)."""
    words = corpus()
    return [q for q in quotes(text) if q not in words]


def kb_env(data_dir: Path) -> dict[str, str]:
    """The environment of a CLI or bot process on ``data_dir`` (no ``.env`` is read: cwd is the folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "KB_"))}
    env.update(KB_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    if "KB_MODEL_CACHE_DIR" in os.environ:  # tests share one int8 export per run (tests/conftest.py)
        env["KB_MODEL_CACHE_DIR"] = os.environ["KB_MODEL_CACHE_DIR"]
    return env


def ingest_examples(data_dir: Path, *more: Path) -> None:
    """Index the bundled Harborline corpus (and ``more`` files) with the real default embedder
    through the CLI."""
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "bot.cli", "ingest", str(EXAMPLES_DIR), *map(str, more)],
                   cwd=data_dir, env=kb_env(data_dir), check=True, capture_output=True, text=True, timeout=300)


def seed_report(data_dir: Path, guild: str, reporter: str, wrong: str) -> None:
    """File one misquote report on the first quote of "What did Harborline Market actually say?",
    as the "Report misquote" modal would, with the bot not running (it holds the data folder)."""
    from knowledge.service import open_knowledge_base
    from knowledge.settings import KnowledgeSettings

    settings = KnowledgeSettings(data_dir=data_dir, _env_file=None)  # type: ignore[call-arg]
    with open_knowledge_base(settings) as kb:
        answer = kb.ask("What did Harborline Market actually say?")
        kb.report_misquote(answer.question, answer.organization, answer.quotes[:1], wrong,
                           reporter=reporter, guild=guild)


@dataclass
class BotProcess:
    """``python -m bot`` (what ``disclosure-bot serve`` runs) talking to ``fake``; its output in ``log``."""

    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


def start_bot(fake: FakeDiscord, data_dir: Path, log: Path, **settings: str) -> BotProcess:
    """Start the bot on ``data_dir`` against ``fake``; return once it is ready and its commands synced.

    ``settings`` are extra environment variables (e.g. ``DISCORD_THREAD_MODE="true"``).

    Raises:
        RuntimeError: the process exited or was not ready within 120 s (with its output).
    """
    env = kb_env(data_dir) | {
        "DISCORD_TOKEN": fake.token, "DISCORD_API_BASE": fake.api_base, "DISCORD_GUILD_ID": fake.guild_id,
        "LOG_LEVEL": "INFO", **settings,
    }
    handle = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=data_dir, env=env, stdout=handle,
                            stderr=subprocess.STDOUT)
    handle.close()
    bot = BotProcess(proc, log)

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"the bot exited with {proc.returncode}:\n{bot.output()[-4000:]}")
        return bool(fake.server.sessions and fake.session.ready.is_set() and fake.commands(fake.guild_id))

    try:
        fake.wait_for(ready, timeout=120)
    except TimeoutError as error:
        bot.stop()
        raise RuntimeError(f"the bot was not ready: {error}\n{bot.output()[-4000:]}") from None
    return bot


@dataclass
class Exchange:
    """One interaction and the requests that answered it."""

    fake: FakeDiscord
    payload: dict[str, Any]
    sent: float
    callback: Request

    @property
    def token(self) -> str:
        return self.payload["token"]

    def webhook_requests(self) -> list[Request]:
        return [r for r in self.fake.requests if r.path.startswith(f"/webhooks/{self.fake.app_id}/{self.token}")]

    def followup(self, timeout: float = 60, index: int = 0) -> Request:
        """The ``index``-th message the bot sent through the interaction's webhook (POST or PATCH)."""
        def find() -> Request | None:
            sent = [r for r in self.webhook_requests() if r.method in ("POST", "PATCH")]
            return sent[index] if len(sent) > index else None
        return self.fake.wait_for(find, timeout)

    @property
    def deferral_ms(self) -> float:
        return (self.callback.at - self.sent) * 1000

    def message(self) -> dict[str, Any]:
        """The message the answer lives in now (the original response), as the fake stores it."""
        data = self.callback.json
        if data["type"] in (MESSAGE, DEFERRED_MESSAGE):
            return self.fake.message(self.original_id())
        raise AssertionError(f"callback type {data['type']} created no message")

    def original_id(self) -> str:
        entry = self.fake.server.state.interactions[self.payload["id"]]
        assert entry.original_id is not None
        return entry.original_id


def interact(fake: FakeDiscord, payload: dict[str, Any], *, message_id: str | None = None,
             timeout: float = 30) -> Exchange:
    """Send ``payload`` and wait for its callback (the deferral or the response)."""
    sent = fake.send_interaction(payload, message_id=message_id)
    callback = fake.wait_for_request(
        lambda r: r.path == f"/interactions/{payload['id']}/{payload['token']}/callback", timeout)
    return Exchange(fake, payload, sent, callback)


def message_bodies(requests: list[Request]) -> Iterator[tuple[Request, dict[str, Any]]]:
    """Every message body among ``requests``: callbacks that carry one, follow-ups, edits, channel posts."""
    for request in requests:
        if request.json is None or request.method not in ("POST", "PATCH"):
            continue
        if request.path.endswith("/callback"):
            if request.json.get("type") in (MESSAGE, UPDATE):
                yield request, request.json.get("data") or {}
        elif request.path.startswith("/webhooks/") or "/messages" in request.path:
            yield request, request.json


def embed_text(body: dict[str, Any]) -> str:
    """All text of a message body: content and every embed's title, description, fields, footer."""
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    """The button labelled ``label`` (ignoring emoji and case) on a stored message."""
    found = [b for b in buttons(message) if label.casefold() in (b.get("label") or "").casefold()]
    assert found, f"no {label!r} button among {[b.get('label') for b in buttons(message)]}"
    return found[0]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons (component type 2) of a stored message, in order."""
    found = []
    for row in message.get("components") or []:
        for item in row.get("components") or []:
            if item.get("type") == 2:
                found.append(item)
    return found


def refused_or_mentioning(fake: FakeDiscord) -> list[str]:
    """REST requests Discord refused, and message bodies that allow mentions (both should be none)."""
    found = [f"{r.method} {r.path} {r.status} {r.error}" for r in fake.requests
             if r.status >= 400 and not r.path.startswith(("/web/", "/attachments/"))]  # REST calls only
    found += [f"{r.method} {r.path} allows {body.get('allowed_mentions')}" for r, body in message_bodies(fake.requests)
              if body.get("allowed_mentions") != {"parse": []}]
    return found


@pytest.fixture(autouse=True)
def print_bot_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print what the bot logged during a test (import it into a test module: pytest shows it when
    the test fails)."""
    if "bot" not in request.fixturenames:
        yield
        return
    process: BotProcess = request.getfixturevalue("bot")
    start = len(process.output())
    yield
    print(process.output()[start:][-6000:])
