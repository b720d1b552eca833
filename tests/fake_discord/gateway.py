"""The fake's gateway: one websocket session speaking Discord's gateway protocol v10 with JSON.

Protocol: https://discord.com/developers/docs/events/gateway (HELLO op 10, HEARTBEAT op 1 and its
ACK op 11, IDENTIFY op 2 answered by READY and GUILD_CREATE, RESUME op 6 answered by RESUMED,
DISPATCH op 0 with a sequence number). Transport compression is honoured as the client asks in
the URL (``compress=zstd-stream`` as discord.py 2.7 asks when ``zstandard`` is installed,
``compress=zlib-stream``, or none): every message is flushed so it can be decoded on its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

#: Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 7, 10, 11
HEARTBEAT_INTERVAL_MS = 41250
ACK_DELAY_S = 0.05


class _Compressor:
    """Encodes one connection's outgoing messages as the client asked in ``compress``."""

    def __init__(self, compress: str | None) -> None:
        self.kind = compress
        if compress == "zstd-stream":
            import zstandard  # discord.py asks for zstd only when it can decode it

            self._zstd = zstandard.ZstdCompressor().compressobj()
            self._flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        elif compress == "zlib-stream":
            self._zlib = zlib.compressobj()
        elif compress not in (None, ""):
            raise ValueError(f"unknown gateway compression {compress!r}")

    def encode(self, text: str) -> str | bytes:
        data = text.encode()
        if self.kind == "zstd-stream":
            return self._zstd.compress(data) + self._zstd.flush(self._flush)
        if self.kind == "zlib-stream":
            return self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
        return text


class GatewaySession:
    """One client's websocket: answers heartbeats and IDENTIFY, and sends dispatches.

    Args:
        ws: the prepared websocket.
        compress: the ``compress`` query parameter, if any.
        on_identify: returns the READY payload and the GUILD_CREATE payloads for an IDENTIFY's data.
        now: the clock that stamps sends (``time.perf_counter``).

    Attributes:
        identify: the IDENTIFY payload's ``d`` once received.
        resume: the RESUME payload's ``d`` once received.
        heartbeats: how many heartbeats were acknowledged.
        ready: set once READY and every GUILD_CREATE have been sent.
        close_code: the close code the client sent, once it closed.
    """

    def __init__(self, ws: web.WebSocketResponse, compress: str | None,
                 on_identify: Callable[[dict[str, Any]], tuple[dict[str, Any], list[dict[str, Any]]]],
                 now: Callable[[], float]) -> None:
        self.ws = ws
        self._compressor = _Compressor(compress)
        self._on_identify = on_identify
        self._now = now
        self._lock = asyncio.Lock()
        self.sequence = 0
        self.identify: dict[str, Any] | None = None
        self.resume: dict[str, Any] | None = None
        self.heartbeats = 0
        self.ready = asyncio.Event()
        self.close_code: int | None = None
        self._pending: set[Any] = set()

    def _ack(self) -> None:
        if self.ws.closed:
            return
        task = asyncio.ensure_future(self._send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _send(self, payload: dict[str, Any]) -> float:
        async with self._lock:  # one encoder stream: frames must go out in the order they were encoded
            frame = self._compressor.encode(json.dumps(payload, separators=(",", ":")))
            sent = self._now()
            if isinstance(frame, bytes):
                await self.ws.send_bytes(frame)
            else:
                await self.ws.send_str(frame)
        return sent

    async def dispatch(self, event: str, data: dict[str, Any]) -> float:
        """Send ``event`` (op 0) with the next sequence number; returns when it was sent."""
        self.sequence += 1
        return await self._send({"op": DISPATCH, "t": event, "s": self.sequence, "d": data})

    async def reconnect(self) -> None:
        """Ask the client to reconnect (op 7), as Discord does before it moves a session."""
        await self._send({"op": RECONNECT, "d": None, "s": None, "t": None})

    async def run(self) -> None:
        """Say HELLO, then serve the client until it closes the socket."""
        await self._send({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})
        async for message in self.ws:
            if message.type is not WSMsgType.TEXT:
                log.warning("fake gateway ignores a %s frame", message.type)
                continue
            payload = json.loads(message.data)
            op = payload.get("op")
            if op == HEARTBEAT:
                self.heartbeats += 1
                # A little network latency: discord.py 2.7 measures an ACK against the heartbeat sent
                # before when the ACK beats its own bookkeeping, and then warns it is ~41 s behind.
                asyncio.get_running_loop().call_later(ACK_DELAY_S, self._ack)
            elif op == IDENTIFY:
                self.identify = payload["d"]
                ready, guilds = self._on_identify(payload["d"])
                await self.dispatch("READY", ready)
                for guild in guilds:
                    await self.dispatch("GUILD_CREATE", guild)
                self.ready.set()
            elif op == RESUME:
                self.resume = payload["d"]
                await self.dispatch("RESUMED", {})
                self.ready.set()
            else:
                log.debug("fake gateway ignores op %s", op)
        self.close_code = self.ws.close_code
