"""Live tally messages kept up to date: one coalesced edit per message per interval.

Updates are polled, not pushed: every ``interval`` seconds the manager compares each live
round's ballot version (ballot_audit grows on every change) with the version the message last
showed, and edits only when it moved. A burst of a thousand ballots is one edit per message per
interval; a quiet round is no edit at all. Live messages are rows in the database, so the loop
resumes after a restart.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.ext import tasks

from bot.domain.event import Event, Room, Round
from bot.exports.charts import ranked_bar_png
from bot.i18n import Translator
from bot.services.live import LiveSnapshot, live_snapshot
from bot.ui.common import NO_MENTIONS
from bot.ui.live_tally import CHART_FILENAME, live_tally_embed
from db.live_tallies import LiveTally, LiveTallyRepository

if TYPE_CHECKING:
    from bot.client import PriorityBot

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 5.0
# Discord stops accepting edits to older messages: move to a fresh message well before an hour.
REFRESH_AFTER = timedelta(minutes=55)


def live_interval(bot: PriorityBot) -> float:
    override = getattr(bot, "live_tally_interval", None)
    if override is not None:
        return float(override)
    return bot.settings.live_tally_interval if bot.settings else DEFAULT_INTERVAL


class LiveTallyManager:
    """Keeps every active live tally of one bot up to date, one coalesced edit per interval."""

    def __init__(self, bot: PriorityBot, store: LiveTallyRepository) -> None:
        self.bot = bot
        self.store = store
        # An ext.tasks loop rather than a bare sleep: it survives a failed iteration and is the
        # between-iteration wait simcord (and readers) recognise.
        self._loop = tasks.Loop(
            self._iteration, seconds=DEFAULT_INTERVAL, minutes=0, hours=0,
            time=discord.utils.MISSING, count=None, reconnect=True, name="live-tally-loop",
        )  # fmt: skip
        self._stopping = False
        self._woken = False  # a message went live during the current iteration
        # What each message shows now (timestamp aside): a room's message is not edited when only
        # another room's ballots moved the round's version. Lost on restart: one edit at most.
        self._shown: dict[int, dict[str, object]] = {}

    def ensure_running(self) -> None:
        self._woken = True
        self._loop.change_interval(seconds=live_interval(self.bot))
        if not self._loop.is_running():
            self._loop.start()
        elif self._stopping:  # it was about to end after its last iteration: keep it going
            self._loop.restart()
        self._stopping = False

    def stop(self) -> None:
        self._loop.cancel()

    async def _iteration(self) -> None:
        self._woken = False
        try:
            remaining = await self.tick()
        except Exception:
            log.exception("live tally update failed; retrying next interval")
            return
        if remaining == 0 and not self._woken:
            # No live message is left: an idle bot keeps no timer running. (A message posted
            # while this iteration ran sets _woken, so it is never left without updates.)
            self._stopping = True
            self._loop.stop()

    async def tick(self) -> int:
        """Bring every active live message up to date; the number still active afterwards."""
        versions: dict[int, str] = {}
        remaining = 0
        for live in await self.store.active():
            try:
                if await self._update(live, versions):
                    remaining += 1
            except (discord.NotFound, discord.Forbidden):
                log.info(
                    "live tally message %s is gone or out of reach; no longer updating it", live.message_id
                )
                await self.store.deactivate(live.message_id)
                self._shown.pop(live.message_id, None)
            except discord.HTTPException:
                log.warning("could not update live tally %s", live.message_id, exc_info=True)
                remaining += 1
        return remaining

    async def _update(self, live: LiveTally, versions: dict[int, str]) -> bool:
        """Update one message; False when it is no longer live."""
        repo = self.bot.repo
        event = await repo.event_by_id(live.guild_id, live.event_id)
        round_ = await repo.round_by_id(live.event_id, live.round_id) if event else None
        if event is None or round_ is None:
            await self.store.deactivate(live.message_id)
            return False
        if live.round_id not in versions:
            versions[live.round_id] = await self.store.ballot_version(live.round_id)
        version = versions[live.round_id]
        room = await _room_by_id(self.bot, event, live.room_id)
        if not round_.is_open:
            # Final edit with the final results, then the message is no longer live.
            snapshot = await live_snapshot(repo, event, round_, room)
            await self._edit(live, snapshot)
            await self.store.deactivate(live.message_id)
            self._shown.pop(live.message_id, None)
            return False
        if discord.utils.utcnow() - live.posted_at >= REFRESH_AFTER:
            await self._refresh(live, event, round_, room, version)
            return True
        if version == live.last_version:
            return True
        await self._edit(live, await live_snapshot(repo, event, round_, room), if_changed=True)
        await self.store.set_version(live.message_id, version)
        return True

    async def _edit(
        self, live: LiveTally, snapshot: LiveSnapshot, note: str | None = None, *, if_changed: bool = False
    ) -> None:
        public = Translator(snapshot.event.language)
        embed = live_tally_embed(snapshot, public, updated_at=discord.utils.utcnow(), note=note)
        shown = _fingerprint(embed)
        if if_changed and self._shown.get(live.message_id) == shown:
            return
        message = self.bot.get_partial_messageable(live.channel_id).get_partial_message(live.message_id)
        await message.edit(embed=embed, allowed_mentions=NO_MENTIONS)
        if if_changed:  # only messages that stay live are remembered
            self._shown[live.message_id] = shown

    async def _refresh(
        self, live: LiveTally, event: Event, round_: Round, room: Room | None, version: str
    ) -> None:
        """Post a fresh live message and freeze the old one with a pointer to it."""
        snapshot = await live_snapshot(self.bot.repo, event, round_, room)
        public = Translator(event.language)
        channel = self.bot.get_partial_messageable(live.channel_id, guild_id=live.guild_id)
        embed = live_tally_embed(snapshot, public, updated_at=discord.utils.utcnow())
        fresh = await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)
        self._shown[fresh.id] = _fingerprint(embed)
        await self.store.add(
            fresh.id, live.guild_id, live.channel_id, event.id, round_.id, live.room_id, version
        )
        await self.store.deactivate(live.message_id)
        self._shown.pop(live.message_id, None)
        note = public("⏬ This live tally continues below: {link}", link=fresh.jump_url)
        await self._edit(live, snapshot, note=note)

    async def post(
        self, channel_id: int, guild_id: int, event: Event, round_: Round, room: Room | None
    ) -> discord.Message:
        version = await self.store.ballot_version(round_.id)
        snapshot = await live_snapshot(self.bot.repo, event, round_, room)
        public = Translator(event.language)
        embed = live_tally_embed(snapshot, public, updated_at=discord.utils.utcnow())
        files = []
        if snapshot.tally is not None:
            # Rendered once, off the event loop, and only on the first post: edits keep it.
            png = await asyncio.to_thread(ranked_bar_png, snapshot.tally, round_.name)
            files.append(discord.File(io.BytesIO(png), filename=CHART_FILENAME))
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        message = await channel.send(embed=embed, files=files, allowed_mentions=NO_MENTIONS)
        self._shown[message.id] = _fingerprint(embed)
        await self.store.add(
            message.id, guild_id, channel_id, event.id, round_.id, room.id if room else None, version
        )
        self.ensure_running()
        return message

    async def stop_message(self, live: LiveTally) -> None:
        """Freeze a live message with a note; it shows the state at the moment it was stopped."""
        await self.store.deactivate(live.message_id)
        self._shown.pop(live.message_id, None)
        event = await self.bot.repo.event_by_id(live.guild_id, live.event_id)
        round_ = await self.bot.repo.round_by_id(live.event_id, live.round_id) if event else None
        if event is None or round_ is None:
            return
        room = await _room_by_id(self.bot, event, live.room_id)
        snapshot = await live_snapshot(self.bot.repo, event, round_, room)
        note = Translator(event.language)("⏹️ This tally is no longer updated.")
        try:
            await self._edit(live, snapshot, note=note)
        except discord.HTTPException:
            log.info("could not mark live tally %s as stopped", live.message_id, exc_info=True)


def _fingerprint(embed: discord.Embed) -> dict[str, object]:
    """What a reader sees, without the "updated at" time that changes on every render."""
    return {key: value for key, value in embed.to_dict().items() if key != "timestamp"}


async def _room_by_id(bot: PriorityBot, event: Event, room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    for room in await bot.repo.rooms(event.id):
        if room.id == room_id:
            return room
    return None
