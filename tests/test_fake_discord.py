"""The fake Discord itself: it refuses what Discord refuses, so the end-to-end tests can fail."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterator

import aiohttp
import httpx
import pytest
from fake_discord import FakeDiscord
from fake_discord import server as fake_server
from fake_discord.checks import message_problems


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


def _ping(fake: FakeDiscord) -> dict[str, object]:
    """A /ping interaction (the command synced to the guild first, as a bot would)."""
    httpx.put(f"{fake.api_base}/applications/{fake.app_id}/guilds/{fake.guild_id}/commands",
              headers={"Authorization": f"Bot {fake.token}"}, json=[{"name": "ping", "description": "Ping"}])
    return fake.slash("ping")


def _connect_and_identify(fake: FakeDiscord, compress: str | None) -> list[dict[str, object]]:
    """Connect a websocket client, IDENTIFY, and return the first three messages (HELLO, READY,
    GUILD_CREATE) decoded as ``compress`` asks."""
    async def run() -> list[dict[str, object]]:
        query = "?v=10&encoding=json" + (f"&compress={compress}" if compress else "")
        inflate = zlib.decompressobj()
        received = []
        async with aiohttp.ClientSession() as session, session.ws_connect(fake.gateway_url + query) as ws:
            while len(received) < 3:
                message = await ws.receive(timeout=10)
                text = inflate.decompress(message.data).decode() if compress else message.data
                received.append(json.loads(text))
                if len(received) == 1:
                    await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
        return received
    return asyncio.run(run())


@pytest.mark.parametrize("compress", [None, "zlib-stream"])
def test_the_gateway_says_hello_then_ready_and_the_guild(fake: FakeDiscord, compress: str | None) -> None:
    hello, ready, guild = _connect_and_identify(fake, compress)

    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    assert (ready["t"], ready["s"]) == ("READY", 1) and ready["d"]["guilds"] == [{"id": fake.guild_id,
                                                                                  "unavailable": True}]
    assert ready["d"]["resume_gateway_url"] == fake.gateway_url
    assert guild["t"] == "GUILD_CREATE" and {c["name"] for c in guild["d"]["channels"]} == {"general", "other"}


def test_rest_answers_are_exactly_application_json_and_need_the_bot_token(fake: FakeDiscord) -> None:
    ok = httpx.get(fake.api_base + "/users/@me", headers={"Authorization": f"Bot {fake.token}"})
    anonymous = httpx.get(fake.api_base + "/users/@me")
    unknown = httpx.get(fake.api_base + "/nowhere", headers={"Authorization": f"Bot {fake.token}"})

    assert ok.status_code == 200 and ok.headers["content-type"] == "application/json"
    assert ok.json()["id"] == fake.app_id and ok.json()["bot"] is True
    assert anonymous.status_code == 401 and unknown.status_code == 404
    assert [r.status for r in fake.requests] == [200, 401, 404]


def test_an_interaction_is_acknowledged_once_and_only_within_3_seconds(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, late = _ping(fake), _ping(fake)
    fake.register_interaction(first)
    fake.register_interaction(late)
    url = fake.api_base + "/interactions/{id}/{token}/callback"

    answers = [httpx.post(url.format(**first), json={"type": 5}) for _ in range(2)]
    monkeypatch.setattr(fake_server, "CALLBACK_WINDOW_S", 0.0)
    too_late = httpx.post(url.format(**late), json={"type": 5})

    assert answers[0].status_code == 200 and answers[0].json()["resource"]["message"]["flags"] & 128
    assert (answers[1].status_code, answers[1].json()["code"]) == (400, 40060)
    assert (too_late.status_code, too_late.json()["code"]) == (404, 10062)


def test_a_follow_up_over_discords_limits_is_refused(fake: FakeDiscord) -> None:
    interaction = _ping(fake)
    fake.register_interaction(interaction)
    webhook = f"{fake.api_base}/webhooks/{fake.app_id}/{interaction['token']}?wait=1"
    before_ack = httpx.post(webhook, json={"content": "early"})
    httpx.post(f"{fake.api_base}/interactions/{interaction['id']}/{interaction['token']}/callback", json={"type": 5})

    too_long = httpx.post(webhook, json={"embeds": [{"description": "x" * 4097}]})
    too_many = httpx.post(webhook, json={"embeds": [{"title": "t"}] * 11})
    fine = httpx.post(webhook, json={"embeds": [{"description": "x" * 4096}]})

    assert (before_ack.status_code, before_ack.json()["code"]) == (404, 10015)
    assert (too_long.status_code, too_long.json()["code"]) == (400, 50035)
    assert too_many.status_code == 400 and fine.status_code == 200


@pytest.mark.parametrize(("body", "problem"), [
    ({"content": "x" * 2001}, "content"),
    ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "26 fields"),
    ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "too long"),
    ({"embeds": [{"description": "x" * 4000}, {"description": "y" * 2001}]}, "total 6001"),
    ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "footer"),
    ({"components": [{"type": 1, "components": [{"type": 2, "custom_id": "c" * 101}]}]}, "custom_id"),
])
def test_message_problems_names_each_limit(body: dict[str, object], problem: str) -> None:
    assert any(problem in found for found in message_problems(body))
    assert message_problems({"content": "x" * 2000, "embeds": [{"description": "x" * 4096}]}) == []
