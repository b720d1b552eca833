"""A fake Discord: a documented test double of the REST API and the gateway, on 127.0.0.1.

It lets the real bot process (``disclosure-bot serve`` with ``DISCORD_API_BASE`` pointed at
:attr:`FakeDiscord.api_base`) log in, connect, sync its commands and answer interactions, while the
test sends INTERACTION_CREATE events and reads every REST request the bot made.

What it fakes (Discord API v10, JSON encoding, as discord.py 2.7 uses it):

- REST: ``GET /gateway/bot`` (the fake's websocket URL), ``GET /users/@me``,
  ``GET /oauth2/applications/@me``, ``GET``/``PUT`` application commands (global and guild; ids kept
  across a re-sync of the same name), ``POST /interactions/{id}/{token}/callback`` (types 4-9; a
  second acknowledgement is refused with 40060, one later than 3 s with 10062),
  ``POST /webhooks/{app}/{token}`` (follow-ups; the first one after a deferral edits the "thinking"
  message, as Discord does), ``GET``/``PATCH``/``DELETE /webhooks/{app}/{token}/messages/{id|@original}``,
  channel messages (create, get, edit) and threads (from a message or not; THREAD_CREATE is
  dispatched). Every answer is ``application/json``; a message or autocomplete result over Discord's
  limits gets Discord's 400 (code 50035), an unknown route a 404, a missing bot token a 401.
- Files: ``/attachments/{id}/{name}`` serves uploaded attachments (the CDN an attachment's ``url``
  points to), and ``/web/{name}`` serves pages and feeds a test puts there (for URL ingestion).
- Gateway: HELLO, heartbeats and their ACKs, IDENTIFY answered by READY (the guild unavailable) and
  GUILD_CREATE (channels, roles, members), RESUME answered by RESUMED; compression as asked in the
  URL (``zstd-stream``, ``zlib-stream`` or none).
- Interactions the test sends: slash commands and subcommands (option types from the synced
  command; ``resolved`` for attachments), autocomplete, message context menus (resolved message), component clicks on a
  message the bot sent, and modal submits built from the modal the bot opened; each carries a member
  with the permission bits of its roles (the admin has all).
- Recording: every REST request (method, path, query, JSON or multipart ``payload_json`` and files,
  arrival time on ``time.perf_counter``, status answered); send times of interactions on the same clock.

What it does not fake: rate limits (no ``X-RateLimit-*`` headers, never 429), voice, sharding,
privileged intents and member chunking, message content events (MESSAGE_CREATE is never sent),
permission checks on the bot's own REST calls, token expiry of interaction webhooks (15 minutes),
ephemeral visibility (only the flag is stored), and anything the bot does not use. Discord's own checks of ``allowed_mentions`` are not applied either:
tests read the recorded bodies for that.
"""

from .fake import FakeDiscord
from .server import Request

__all__ = ["FakeDiscord", "Request"]
