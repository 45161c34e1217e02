"""A loopback Discord: REST v10 and the gateway, as much as discord.py 2.7.1 needs to log in and run.

The bot process connects to it exactly as it would to Discord (its own aiohttp session, gateway
client and rate-limit buckets); the only things redirected are ``Route.BASE`` and the default
gateway URL (see ``launch_bot``). Everything here follows what discord.py's source reads
(``http.py``, ``gateway.py``, ``state.py``, ``interactions.py``, ``webhook/async_.py``) rather than
the documentation alone, because a payload discord.py cannot parse fails silently far from here.

What the stub enforces, as Discord does:

* an interaction is answered once: a second callback gets 400 / 40060;
* an interaction is forgotten 3 s after it was dispatched: a later callback gets 404 / 10062;
* channel messages are rate limited per channel (5 per 5 s per route), with proper 429 bodies
  and ``X-RateLimit-*`` headers, so discord.py's own bucket code is exercised.

Every interaction is recorded (dispatch time, every callback with its arrival time and status), so
a driver can measure latency from the moment the event left the gateway until the answer arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger("loopback.stub")

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
INTERACTION_DEADLINE = 3.0  # Discord forgets an unanswered interaction after 3 s
HEARTBEAT_INTERVAL_MS = 41250
CHANNEL_LIMIT = 5  # messages per window, per channel and route (Discord's usual POST bucket)
CHANNEL_WINDOW = 5.0

# Discord's JSON error codes the bot reacts to (bot/ui/deadline.py).
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
UNKNOWN_MESSAGE = 10008
UNKNOWN_CHANNEL = 10003
UNKNOWN_WEBHOOK = 10015

# Interaction callback types.
PONG, CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE, MODAL = (
    1,
    4,
    5,
    6,
    7,
    8,
    9,
)
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Permission bits used by the fixture guild.
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
)
BOT_PERMISSIONS = MEMBER_PERMISSIONS


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _iso(at: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if at is None else at, UTC).isoformat()


class Snowflakes:
    """Discord ids whose timestamp is *now*: discord.py derives ``created_at`` from the id, and the
    bot drops an interaction whose id says it is already older than 2.5 s."""

    def __init__(self) -> None:
        # The 22 low bits (worker, process, increment) as one counter: unique for 4M ids per ms.
        self._counter = itertools.count(1)

    def next(self, at: float | None = None) -> int:
        ms = int((time.time() if at is None else at) * 1000)
        return ((ms - DISCORD_EPOCH_MS) << 22) | (next(self._counter) & 0x3FFFFF)


@dataclass(slots=True)
class CallbackRecord:
    """One callback the bot sent for an interaction, as the stub received it."""

    arrived: float  # time.monotonic()
    status: int  # HTTP status the stub answered
    code: int | None  # Discord's JSON error code, None when accepted
    type: int | None  # callback type from the body
    data: dict[str, Any] | None  # callback data from the body

    @property
    def accepted(self) -> bool:
        return self.code is None


@dataclass(slots=True, eq=False)
class InteractionRecord:
    id: int
    token: str
    type: int
    kind: str  # a label from the driver: "vote", "modal-submit", "pick", ...
    tag: str  # phase label: "setup", "burst", "probe"
    user_id: int
    channel_id: int
    dispatched: float  # time.monotonic() just before the gateway frame was sent
    source_message_id: int | None  # the message a component interaction came from
    callbacks: list[CallbackRecord] = field(default_factory=list)
    accepted: asyncio.Future[CallbackRecord] | None = None
    acknowledged: bool = False
    original_message_id: int | None = None
    modal: dict[str, Any] | None = None  # the form a type-9 callback opened, ids filled in

    @property
    def first_callback(self) -> CallbackRecord | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def latency(self) -> float | None:
        """Dispatch to the first callback's arrival (accepted or not), seconds."""
        first = self.first_callback
        return None if first is None else first.arrived - self.dispatched

    @property
    def answer(self) -> CallbackRecord | None:
        """The accepted callback, if any."""
        return next((cb for cb in self.callbacks if cb.accepted), None)

    async def wait_answer(self, within: float) -> CallbackRecord | None:
        """The accepted callback, waiting at most ``within`` seconds from now."""
        assert self.accepted is not None
        if not self.accepted.done():
            try:
                await asyncio.wait_for(asyncio.shield(self.accepted), within)
            except TimeoutError:
                return None
        return self.accepted.result()


@dataclass
class StubStats:
    late_callbacks: int = 0  # 404 / 10062
    second_callbacks: int = 0  # 400 / 40060
    rate_limited: int = 0  # 429s given on channel routes
    unknown_routes: Counter[str] = field(default_factory=Counter)
    rest_requests: Counter[str] = field(default_factory=Counter)
    gateway_connections: int = 0
    resumes: int = 0


@dataclass(frozen=True)
class GuildFixture:
    id: int
    name: str
    owner_id: int
    everyone_role_id: int
    organiser_role_id: int
    lobby_id: int
    room_ids: tuple[int, ...]
    channel_names: dict[int, str]

    @property
    def channel_ids(self) -> tuple[int, ...]:
        return (self.lobby_id, *self.room_ids)


class _WindowLimiter:
    """Fixed windows per key, like Discord's per-route, per-channel buckets."""

    def __init__(self, limit: int, per: float) -> None:
        self.limit = limit
        self.per = per
        self._windows: dict[tuple[str, int], tuple[float, int]] = {}

    def hit(self, key: tuple[str, int], now: float) -> tuple[bool, int, float]:
        """(allowed, remaining after this request, seconds until the window resets)."""
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.per:
            start, used = now, 0
        reset_after = max(0.0, self.per - (now - start))
        if used >= self.limit:
            return False, 0, reset_after
        self._windows[key] = (start, used + 1)
        return True, self.limit - used - 1, reset_after


class InteractionSource:
    """The parts of an interaction that depend only on who sends it and where, serialised once.

    A burst of thousands of interactions must not cost the driver (which shares the machine with
    the bot) a full JSON encoding each: only the id, token, type, data and message are added at
    dispatch time.
    """

    def __init__(self, stub: DiscordStub, member: dict[str, Any], channel_id: int, locale: str) -> None:
        self.stub = stub
        self.member = member
        self.user_id = int(member["user"]["id"])
        self.channel_id = channel_id
        guild = stub.guild
        common = {
            "application_id": str(stub.application_id),
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": stub.channel_payload(channel_id, permissions=member.get("permissions", "0")),
            "member": member,
            "app_permissions": str(BOT_PERMISSIONS),
            "locale": locale,
            "guild_locale": "en-US",
            "version": 1,
            "entitlements": [],
            # Guild-installed app: Discord sends {"0": guild_id} here.
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            # Required by discord.py 2.7 (Interaction._from_data reads it without a default).
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        # Without the opening brace: the frame's head is spliced in front of it.
        self.tail = _dumps(common)[1:]


class DiscordStub:
    """The loopback Discord. ``await start()``, point the bot at ``api_url``, dispatch interactions."""

    def __init__(
        self, *, rooms: int = 10, bot_name: str = "prioritybot", token: str = "loopback-token"
    ) -> None:
        self.ids = Snowflakes()
        self.token = token
        self.application_id = self.ids.next()
        self.bot_user: dict[str, Any] = {
            "id": str(self.application_id),  # a bot's user id is its application's id
            "username": bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "verified": True,
            "flags": 0,
            "mfa_enabled": False,
            "public_flags": 0,
        }
        self.guild = self._make_guild(rooms)
        self.stats = StubStats()
        self.records: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: dict[int, deque[int]] = {
            cid: deque(maxlen=200) for cid in self.guild.channel_ids
        }
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self._command_ids: dict[str, int] = {}
        self._limiter = _WindowLimiter(CHANNEL_LIMIT, CHANNEL_WINDOW)
        self._seq = 0
        self._ws: web.WebSocketResponse | None = None
        self._send_lock = asyncio.Lock()
        self._session_id = f"loopback-{self.ids.next()}"
        self.identified = asyncio.Event()  # READY and GUILD_CREATE sent on the current connection
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self._wire_tasks: set[asyncio.Task[None]] = set()

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        # No access log: a line per request would cost the driver more than the request itself.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, port, backlog=4096)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("loopback Discord on %s", self.base_url)
        return self.api_url

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await self._ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_identified(self, within: float) -> None:
        await asyncio.wait_for(self.identified.wait(), within)

    # --- fixture ------------------------------------------------------------------------------

    def _make_guild(self, rooms: int) -> GuildFixture:
        guild_id = self.ids.next()
        names = {self.ids.next(): "lobby"}
        for n in range(1, rooms + 1):
            names[self.ids.next()] = f"room-{n}"
        ids = list(names)
        return GuildFixture(
            id=guild_id,
            name="Loopback Conversations",
            owner_id=self.ids.next(),  # nobody the driver plays: owners get every permission
            everyone_role_id=guild_id,  # @everyone's id is the guild's
            organiser_role_id=self.ids.next(),
            lobby_id=ids[0],
            room_ids=tuple(ids[1:]),
            channel_names=names,
        )

    def _role(self, role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def channel_payload(self, channel_id: int, *, permissions: str | None = None) -> dict[str, Any]:
        guild = self.guild
        payload: dict[str, Any] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild.id),
            "name": guild.channel_names[channel_id],
            "position": guild.channel_ids.index(channel_id),
            "permission_overwrites": [],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        if permissions is not None:
            # Interaction and resolved channels carry the member's computed permissions.
            payload["permissions"] = permissions
        return payload

    def guild_create_payload(self) -> dict[str, Any]:
        guild = self.guild
        channels = [self.channel_payload(cid) for cid in guild.channel_ids]
        for channel in channels:
            del channel["guild_id"]  # GUILD_CREATE's channels have none
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [
                self._role(guild.everyone_role_id, "@everyone", MEMBER_PERMISSIONS, 0),
                self._role(guild.organiser_role_id, "Organisers", MEMBER_PERMISSIONS | MANAGE_GUILD, 1),
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "safety_alerts_channel_id": None,
            # GUILD_CREATE extras (gateway only)
            "joined_at": _iso(),
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "voice_states": [],
            # No members: the bot asks for no privileged intents (members arrive with interactions).
            "members": [],
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def make_member(
        self, name: str, *, organiser: bool = False, user_id: int | None = None
    ) -> dict[str, Any]:
        """A member payload as interactions carry it (user, roles, computed permissions)."""
        uid = user_id or self.ids.next()
        roles = [str(self.guild.organiser_role_id)] if organiser else []
        permissions = MEMBER_PERMISSIONS | (MANAGE_GUILD if organiser else 0)
        return {
            "user": {
                "id": str(uid),
                "username": name.lower(),
                "discriminator": "0",
                "global_name": name,
                "avatar": None,
                "public_flags": 0,
            },
            "roles": roles,
            "joined_at": _iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
            "permissions": str(permissions),
        }

    def source(self, member: dict[str, Any], channel_id: int, locale: str = "en-US") -> InteractionSource:
        return InteractionSource(self, member, channel_id, locale)

    def command_id(self, name: str) -> int:
        if name not in self._command_ids:
            self._command_ids[name] = self.ids.next()
        return self._command_ids[name]

    # --- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.stats.gateway_connections += 1
        previous, self._ws = self._ws, ws
        self.identified.clear()
        if previous is not None and not previous.closed:
            await previous.close(code=4009)
        log.info("gateway connection %d (%s)", self.stats.gateway_connections, request.query_string)
        # Text frames: discord.py asks for compress=zlib-stream but feeds TEXT frames straight to
        # the JSON decoder (gateway.py received_message only inflates BINARY frames).
        await self._send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op = frame.get("op")
            if op == 1:
                await self._send({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._identify(frame["d"])
            elif op == 6:
                self.stats.resumes += 1
                await self._dispatch_event("RESUMED", {"_trace": ["loopback"]})
                self.identified.set()
            elif op in (3, 4, 8):  # presence, voice state, request members: nothing to do
                continue
            else:
                log.warning("gateway op %s not emulated: %s", op, msg.data[:200])
        if self._ws is ws:
            self._ws = None
            self.identified.clear()
        return ws

    async def _identify(self, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            log.warning("IDENTIFY with a wrong token")
            assert self._ws is not None
            await self._ws.close(code=4004, message=b"Authentication failed.")
            return
        guild = self.guild
        await self._dispatch_event(
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "user_settings": {},
                "guilds": [{"id": str(guild.id), "unavailable": True}],
                "presences": [],
                "private_channels": [],
                "relationships": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["loopback"],
                "session_id": self._session_id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "auth": {},
                "_trace": ["loopback"],
            },
        )
        # The guild arrives afterwards, as on Discord; discord.py waits guild_ready_timeout (2 s)
        # after the last GUILD_CREATE before on_ready, but handles interactions meanwhile.
        await self._dispatch_event("GUILD_CREATE", self.guild_create_payload())
        self.identified.set()

    async def _send(self, frame: dict[str, Any]) -> None:
        await self._send_text(_dumps(frame))

    async def _send_text(self, text: str) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            raise ConnectionError("the bot is not connected to the gateway")
        async with self._send_lock:
            await ws.send_str(text)

    async def _dispatch_event(self, name: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await self._send({"op": 0, "t": name, "s": self._seq, "d": data})

    async def dispatch_interaction(
        self,
        source: InteractionSource,
        type_: int,
        data: dict[str, Any] | str,
        *,
        message: dict[str, Any] | str | None = None,
        kind: str = "",
        tag: str = "",
    ) -> InteractionRecord:
        """Send one INTERACTION_CREATE; the record's ``accepted`` future resolves on its answer.

        ``data`` and ``message`` may be pre-serialised JSON (a burst re-sends the same ones)."""
        if self._ws is None or self._ws.closed:
            await self.wait_identified(30)
        interaction_id = self.ids.next()
        token = f"aW50ZXJhY3Rpb246{interaction_id}:loopback"
        data_json = data if isinstance(data, str) else _dumps(data)
        if message is None:
            message_json, source_message_id = "", None
        elif isinstance(message, str):
            message_json = ',"message":' + message
            source_message_id = int(json.loads(message)["id"])
        else:
            message_json = ',"message":' + _dumps(message)
            source_message_id = int(message["id"])
        loop = asyncio.get_running_loop()
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            type=type_,
            kind=kind,
            tag=tag,
            user_id=source.user_id,
            channel_id=source.channel_id,
            dispatched=0.0,
            source_message_id=source_message_id,
            accepted=loop.create_future(),
        )
        # Registered before the frame leaves: the answer may arrive while send_str is draining.
        self.records[interaction_id] = record
        self._by_token[token] = record
        try:
            async with self._send_lock:
                ws = self._ws
                if ws is None or ws.closed:
                    raise ConnectionError("the bot is not connected to the gateway")
                self._seq += 1
                text = (
                    f'{{"op":0,"t":"INTERACTION_CREATE","s":{self._seq},"d":{{"id":"{interaction_id}",'
                    f'"token":"{token}","type":{type_},"data":{data_json}{message_json},{source.tail}}}'
                )
                # The clock starts when the frame is handed to the socket, as Discord's does.
                record.dispatched = time.monotonic()
                await ws.send_str(text)
        except BaseException:
            del self.records[interaction_id], self._by_token[token]
            raise
        return record

    # --- REST ---------------------------------------------------------------------------------

    def _json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json": discord.py's json_or_text compares the header verbatim and
        # would hand a "…; charset=utf-8" body back as a str.
        base = {"Content-Type": "application/json", "Via": "1.1 google"}
        if headers:
            base.update(headers)
        return web.Response(body=_dumps(payload).encode(), status=status, headers=base)

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._json({"message": message, "code": code}, status)

    def _empty(self, status: int = 204) -> web.Response:
        return web.Response(status=status, headers={"Via": "1.1 google"})

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        if request.content_type.startswith("multipart/"):
            # Files: the JSON travels in the payload_json part; the files themselves are dropped.
            reader = await request.multipart()
            payload: dict[str, Any] = {}
            async for part in reader:
                if getattr(part, "name", None) == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    await part.release()  # type: ignore[union-attr]
            return payload
        raw = await request.read()
        return json.loads(raw) if raw else {}

    async def _unknown(self, request: web.Request) -> web.Response:
        key = f"{request.method} {request.path}"
        self.stats.unknown_routes[key] += 1
        log.warning("unknown route %s", key)
        return self._error(404, 0, "404: Not Found")

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        parts = request.match_info["tail"].strip("/").split("/")
        method = request.method
        route = _route_key(method, parts)
        self.stats.rest_requests[route] += 1
        handler = self._routes().get(route)
        if handler is None:
            self.stats.unknown_routes[f"{method} /{'/'.join(parts)}"] += 1
            log.warning("unknown route %s /%s", method, "/".join(parts))
            return self._error(404, 0, "404: Not Found")
        needs_auth = not route.startswith(("POST interactions", "GET gateway")) and "webhooks" not in route
        if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._error(401, 0, "401: Unauthorized")
        return await handler(request, parts)

    def _routes(self) -> dict[str, Callable[[web.Request, list[str]], Awaitable[web.StreamResponse]]]:
        return {
            "GET users/@me": self._get_me,
            "GET oauth2/applications/@me": self._get_application,
            "GET gateway": self._get_gateway,
            "GET gateway/bot": self._get_gateway,
            "POST interactions/:id/:token/callback": self._callback,
            "POST webhooks/:id/:token": self._followup,
            "GET webhooks/:id/:token/messages/:id": self._webhook_message,
            "PATCH webhooks/:id/:token/messages/:id": self._webhook_message,
            "DELETE webhooks/:id/:token/messages/:id": self._webhook_message,
            "GET channels/:id": self._get_channel,
            "GET channels/:id/messages": self._list_messages,
            "POST channels/:id/messages": self._channel_message,
            "GET channels/:id/messages/:id": self._channel_message,
            "PATCH channels/:id/messages/:id": self._channel_message,
            "DELETE channels/:id/messages/:id": self._channel_message,
            "PUT applications/:id/commands": self._put_commands,
            "GET applications/:id/commands": self._get_commands,
            "PUT applications/:id/guilds/:id/commands": self._put_commands,
            "GET applications/:id/guilds/:id/commands": self._get_commands,
        }

    async def _get_me(self, request: web.Request, parts: list[str]) -> web.Response:
        return self._json(self.bot_user)

    async def _get_application(self, request: web.Request, parts: list[str]) -> web.Response:
        # Client.login reads this right after /users/@me (application id and flags).
        return self._json(
            {
                "id": str(self.application_id),
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": {
                    "id": str(self.guild.owner_id),
                    "username": "owner",
                    "discriminator": "0",
                    "avatar": None,
                    "public_flags": 0,
                    "flags": 0,
                },
                "team": None,
                "guild_id": str(self.guild.id),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": 1,
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request, parts: list[str]) -> web.Response:
        payload: dict[str, Any] = {"url": self.gateway_url}
        if parts[-1] == "bot":
            payload |= {
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        return self._json(payload)

    # interactions

    async def _callback(self, request: web.Request, parts: list[str]) -> web.Response:
        arrived = time.monotonic()
        interaction_id, token = int(parts[1]), parts[2]
        body = await self._body(request)
        record = self.records.get(interaction_id)
        if record is None or record.token != token:
            return self._error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        callback = CallbackRecord(arrived, 200, None, body.get("type"), body.get("data"))
        record.callbacks.append(callback)
        if record.acknowledged:
            callback.status, callback.code = 400, ALREADY_ACKNOWLEDGED
            self.stats.second_callbacks += 1
            return self._error(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if arrived - record.dispatched > INTERACTION_DEADLINE:
            callback.status, callback.code = 404, UNKNOWN_INTERACTION
            self.stats.late_callbacks += 1
            return self._error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        record.acknowledged = True
        resource = self._apply_callback(record, callback)
        assert record.accepted is not None
        if not record.accepted.done():
            record.accepted.set_result(callback)
        if "with_response" not in request.query:
            return self._empty(204)
        # discord.py 2.5+ always asks with_response=1 and builds InteractionCallbackResponse
        # from this body (it indexes body["interaction"]), so a bare 204 would break it.
        message = self.messages.get(record.original_message_id or 0) if resource else None
        interaction: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": callback.type == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }
        if message is not None:
            interaction["response_message_id"] = message["id"]
        payload: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            payload["resource"] = resource
        return self._json(payload)

    def _apply_callback(self, record: InteractionRecord, callback: CallbackRecord) -> dict[str, Any] | None:
        data = callback.data or {}
        if callback.type in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            if callback.type == DEFERRED_MESSAGE:
                data = {"content": "", "flags": (data.get("flags") or 0) | LOADING}
            message = self._new_message(record.channel_id, data, interaction=record)
            record.original_message_id = int(message["id"])
            return {"type": callback.type, "message": message}
        if callback.type in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            source = self.messages.get(record.source_message_id or 0)
            if source is None:
                return None
            if callback.type == UPDATE_MESSAGE:
                self._update_message(source, data)
            record.original_message_id = int(source["id"])
            return {"type": callback.type, "message": source}
        if callback.type == MODAL:
            record.modal = {**data, "components": number_components(data.get("components", []))}
            return None
        return None

    def _new_message(
        self, channel_id: int, data: dict[str, Any], *, interaction: InteractionRecord | None = None
    ) -> dict[str, Any]:
        message_id = self.ids.next()
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(self.guild.id),
            "author": {
                k: self.bot_user[k]
                for k in ("id", "username", "discriminator", "global_name", "avatar", "bot")
            },
            "content": data.get("content") or "",
            "timestamp": _iso(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [_rich(e) for e in data.get("embeds") or []],
            "components": number_components(data.get("components") or []),
            "pinned": False,
            "type": 0,
            "flags": data.get("flags") or 0,
        }
        if interaction is not None:
            message |= {
                "type": 20 if interaction.type == 2 else 19,
                "webhook_id": str(self.application_id),
                "application_id": str(self.application_id),
                "interaction_metadata": {
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": {
                        "id": str(interaction.user_id),
                        "username": "",
                        "discriminator": "0",
                        "avatar": None,
                    },
                    "authorizing_integration_owners": {"0": str(self.guild.id)},
                },
            }
        self.messages[message_id] = message
        if not message["flags"] & EPHEMERAL:
            self.channel_messages.setdefault(channel_id, deque(maxlen=200)).append(message_id)
        return message

    def _update_message(self, message: dict[str, Any], data: dict[str, Any]) -> None:
        if "content" in data:
            message["content"] = data["content"] or ""
        if "embeds" in data:
            message["embeds"] = [_rich(e) for e in data["embeds"] or []]
        if "components" in data:
            message["components"] = number_components(data["components"] or [])
        if "flags" in data and data["flags"] is not None:
            # Ephemerality cannot be changed by an edit.
            message["flags"] = (message["flags"] & EPHEMERAL) | (data["flags"] & ~EPHEMERAL)
        message["edited_timestamp"] = _iso()

    def post_message(self, channel_id: int, data: dict[str, Any]) -> dict[str, Any]:
        """A message the bot "posted" earlier (for drivers that need one without asking the bot)."""
        return self._new_message(channel_id, data)

    async def _followup(self, request: web.Request, parts: list[str]) -> web.Response:
        record = self._by_token.get(parts[2])
        if record is None or not record.acknowledged or int(parts[1]) != self.application_id:
            # A token is usable only once its interaction was acknowledged.
            return self._error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        message = self._new_message(record.channel_id, await self._body(request), interaction=record)
        if record.original_message_id is None:
            record.original_message_id = int(message["id"])  # a deferral's follow-up is the original
        if request.query.get("wait", "false").lower() in ("1", "true"):
            return self._json(message)
        return self._empty(204)

    async def _webhook_message(self, request: web.Request, parts: list[str]) -> web.Response:
        record = self._by_token.get(parts[2])
        if record is None or not record.acknowledged:
            return self._error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        target = parts[4]
        message_id = record.original_message_id if target == "@original" else int(target)
        message = self.messages.get(message_id or 0)
        if message is None:
            return self._error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if request.method == "GET":
            return self._json(message)
        if request.method == "DELETE":
            self.messages.pop(int(message["id"]), None)
            return self._empty(204)
        body = await self._body(request)
        if message["flags"] & LOADING:
            message["flags"] &= ~LOADING  # editing a deferral's "thinking…" replaces it
        self._update_message(message, body)
        return self._json(message)

    # channels

    async def _get_channel(self, request: web.Request, parts: list[str]) -> web.Response:
        channel_id = int(parts[1])
        if channel_id not in self.guild.channel_names:
            return self._error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        return self._json(self.channel_payload(channel_id))

    async def _list_messages(self, request: web.Request, parts: list[str]) -> web.Response:
        channel_id = int(parts[1])
        if channel_id not in self.guild.channel_names:
            return self._error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        limit = int(request.query.get("limit", "50"))
        ids = list(self.channel_messages.get(channel_id, ()))[-limit:]
        return self._json([self.messages[i] for i in reversed(ids) if i in self.messages])

    async def _channel_message(self, request: web.Request, parts: list[str]) -> web.Response:
        channel_id = int(parts[1])
        if channel_id not in self.guild.channel_names:
            return self._error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        method = request.method
        headers: dict[str, str] = {}
        if method in ("POST", "PATCH", "DELETE"):
            allowed, headers = self._rate_limit(f"{method} channels/messages", channel_id)
            if not allowed:
                self.stats.rate_limited += 1
                retry_after = float(headers["X-RateLimit-Reset-After"])
                return self._json(
                    {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                    429,
                    headers | {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": "user"},
                )
        if method == "POST":
            message = self._new_message(channel_id, await self._body(request))
            return self._json(message, headers=headers)
        message = self.messages.get(int(parts[3]))
        if message is None or message["channel_id"] != str(channel_id) or message["flags"] & EPHEMERAL:
            return self._error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if method == "GET":
            return self._json(message)
        if method == "DELETE":
            self.messages.pop(int(message["id"]), None)
            return web.Response(status=204, headers={"Via": "1.1 google", **headers})
        self._update_message(message, await self._body(request))
        return self._json(message, headers=headers)

    def _rate_limit(self, route: str, channel_id: int) -> tuple[bool, dict[str, str]]:
        allowed, remaining, reset_after = self._limiter.hit((route, channel_id), time.monotonic())
        headers = {
            "X-RateLimit-Limit": str(CHANNEL_LIMIT),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.md5(route.encode()).hexdigest()[:16],
        }
        return allowed, headers

    # application commands (only if the bot syncs; it does not by default)

    async def _put_commands(self, request: web.Request, parts: list[str]) -> web.Response:
        scope = parts[3] if parts[2] == "guilds" else "global"
        commands = await request.json()
        for command in commands:
            command.setdefault("type", 1)
            command |= {
                "id": str(self.command_id(command["name"])),
                "application_id": str(self.application_id),
                "version": str(self.ids.next()),
            }
            if scope != "global":
                command["guild_id"] = scope
        self.commands[scope] = commands
        return self._json(commands)

    async def _get_commands(self, request: web.Request, parts: list[str]) -> web.Response:
        scope = parts[3] if parts[2] == "guilds" else "global"
        return self._json(self.commands.get(scope, []))

    # --- reading the records ------------------------------------------------------------------

    def tagged(self, tag: str) -> list[InteractionRecord]:
        return [r for r in self.records.values() if r.tag == tag]

    def last_callback_at(self, records: Iterable[InteractionRecord]) -> float:
        return max((cb.arrived for r in records for cb in r.callbacks), default=0.0)


def _route_key(method: str, parts: list[str]) -> str:
    """'POST interactions/:id/:token/callback': snowflakes and tokens replaced by placeholders."""
    shaped: list[str] = []
    for index, part in enumerate(parts):
        previous = parts[index - 1] if index else ""
        if (
            part.isdigit()
            or previous in ("interactions", "webhooks")
            or (previous == "messages" and part == "@original")
        ):
            shaped.append(":id")
        elif len(shaped) >= 2 and shaped[-2] in ("interactions", "webhooks"):
            shaped.append(":token")
        else:
            shaped.append(part)
    return f"{method} {'/'.join(shaped)}"


def _rich(embed: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rich", **embed}


def walk_components(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from walk_components(component.get("components") or ())
        for key in ("component", "accessory"):
            inner = component.get(key)
            if isinstance(inner, dict):
                yield from walk_components([inner])


def number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies with Discord's numeric component ids filled in (1, 2, … depth first), as Discord
    returns them; modal submissions echo these ids."""
    if not components:
        return []
    copied = [_copy_tree(c) for c in components]
    used = {c["id"] for c in walk_components(copied) if isinstance(c.get("id"), int)}
    fresh = (n for n in itertools.count(1) if n not in used)
    for component in walk_components(copied):
        if "id" not in component:
            component["id"] = next(fresh)
    return copied


def _copy_tree(value: Any) -> Any:
    """A deep copy of JSON-like data (several times cheaper than copy.deepcopy or a JSON round trip)."""
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_tree(v) for v in value]
    return value
