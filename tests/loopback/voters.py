"""Simulated participants driving the real bot process through the loopback Discord.

Public entry points::

    async with running_bot(db_path) as harness:          # stub + bot subprocess, killed on exit
        setup = await setup_event(harness)                # /event create, room-add x10, /round open, panels
        report = await burst(harness, setup, voters=20, flow="modal", spread=0.0)

    report = await run_burst(db_path, voters=20, flow="pick", spread=0.0)   # all of the above
    report = await run_burst(None, voters=20, flow="modal", spread=0.0, bot="floor")

Flows: ``modal``/``message``/``vote`` press the panel's Vote button and follow whatever ballot the
bot serves (a modal form, or the older message ballot of select menus and a Submit button);
``pick`` runs ``/pick initiative:N`` six times. Every voter picks 6 initiatives at random.

Participants behave like people with Discord's client: an interaction that gets no answer within
3 s shows "This interaction failed", and they try again a second later (three tries in all).
After the burst, the SQLite file is read (read-only) and, for every voter, what they chose, what
the bot's reply showed and what was stored are compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gc
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from tests.loopback.discord_stub import (
    ALREADY_ACKNOWLEDGED,
    CHANNEL_MESSAGE,
    INTERACTION_DEADLINE,
    MODAL,
    UNKNOWN_INTERACTION,
    UPDATE_MESSAGE,
    CallbackRecord,
    DiscordStub,
    InteractionRecord,
    InteractionSource,
    number_components,
    walk_components,
)

Flow = Literal["modal", "message", "vote", "pick"]
BotKind = Literal["prioritybot", "floor"]
FLOWS: tuple[str, ...] = ("modal", "message", "vote", "pick")

REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHERS = {
    "prioritybot": Path(__file__).with_name("launch_bot.py"),
    "floor": Path(__file__).with_name("floor_bot.py"),
}
PICKS = 6
TRIES = 3  # Discord's client lets a person press again; three tries in all
RETRY_AFTER = 1.0
# A hair over the stub's 3.0 s: the stub, not this timer, decides whether an answer was in time.
ANSWER_WAIT = INTERACTION_DEADLINE + 0.05
BULLET = re.compile(r"^\s*•\s*(\d+)", re.MULTILINE)
VOTE_BUTTON = re.compile(r"pb:vote:(\d+)")


class SetupError(RuntimeError):
    """A setup command did not get the answer a working bot gives."""


class BotExited(RuntimeError):
    """The bot process ended while the harness needed it."""


# --- the bot process ----------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2 :].split()  # the name may contain spaces; fields 3.. follow
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _driver_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Harness:
    """A running stub and bot process. Made by ``running_bot``."""

    stub: DiscordStub
    process: asyncio.subprocess.Process
    kind: BotKind
    db_path: Path | None
    log_path: Path
    probe_source: InteractionSource

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def peak_rss_mib(self) -> float:
        return proc_peak_rss_mib(self.pid)

    def check_alive(self) -> None:
        if self.process.returncode is not None:
            raise BotExited(f"{self.kind} exited with {self.process.returncode}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def probe(self, tag: str = "probe") -> InteractionRecord:
        """One cheap, read-only interaction (/myballot by a member who never votes)."""
        data = {"id": str(self.stub.command_id("myballot")), "name": "myballot", "type": 1}
        return await self.stub.dispatch_interaction(self.probe_source, 2, data, kind="probe", tag=tag)

    async def wait_answering(self, within: float, tag: str = "probe") -> tuple[float, float | None]:
        """Probe until one probe is answered within 3 s. Returns (seconds until that answer
        arrived, that probe's latency); (inf, None) if none was within ``within`` seconds."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            self.check_alive()
            record = await self.probe(tag)
            answer = await record.wait_answer(ANSWER_WAIT)
            if answer is not None:
                return answer.arrived - started, record.latency
        return float("inf"), None


@contextlib.asynccontextmanager
async def running_bot(
    db_path: Path | None,
    *,
    bot: BotKind = "prioritybot",
    bot_root: Path | None = None,
    log_path: Path | None = None,
    rooms: int = 10,
    startup_timeout: float = 90.0,
    log_level: str = "INFO",
) -> AsyncIterator[Harness]:
    """Start the stub (in this process) and the bot (a subprocess), wait until the bot answers.

    On exit the bot gets SIGINT (a clean shutdown: asyncio.run closes the bot and the database),
    then SIGKILL if it is still running 15 s later; then the stub stops.
    """
    if bot == "prioritybot" and db_path is None:
        raise ValueError("the bot needs a database path")
    workdir, scratch, log_path = _run_folder(bot, db_path, log_path)
    stub = DiscordStub(rooms=rooms)
    await stub.start()
    command = [sys.executable, str(LAUNCHERS[bot]), "--api", stub.api_url, "--token", stub.token]
    if db_path is not None:
        command += ["--db", str(db_path)]
    if bot_root is not None:
        command += ["--bot-root", str(bot_root)]
    paths = [str(bot_root)] if bot_root else []
    env = {
        **os.environ,
        # The bot's packages from this checkout (or bot_root first); the launcher is run by path.
        "PYTHONPATH": os.pathsep.join([*paths, str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
        "PRIORITYBOT_LOG_LEVEL": log_level,
        "DISCORD_TOKEN": stub.token,
        "PYTHONUNBUFFERED": "1",
    }
    process: asyncio.subprocess.Process | None = None
    log_file: IO[bytes] | None = None
    try:
        log_file = _open_log(log_path)
        # cwd: the run's own folder, so a developer's .env in the checkout is never read.
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=log_file
        )
        probe_member = stub.make_member("Probe")
        harness = Harness(
            stub, process, bot, db_path, log_path, stub.source(probe_member, stub.guild.lobby_id)
        )
        deadline = time.monotonic() + startup_timeout
        while not stub.identified.is_set():
            harness.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{bot} did not connect to the gateway:\n{harness.log_tail()}")
            with contextlib.suppress(TimeoutError):
                await stub.wait_identified(0.2)
        waited, _ = await harness.wait_answering(max(5.0, deadline - time.monotonic()), tag="startup")
        if waited == float("inf"):
            raise TimeoutError(f"{bot} connected but answers nothing:\n{harness.log_tail()}")
        yield harness
    except BaseException:
        scratch = None  # keep the bot's log for whoever reads the error
        raise
    finally:
        if process is not None:
            await _stop_process(process)
        if log_file is not None:
            log_file.close()
        await stub.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _run_folder(bot: str, db_path: Path | None, log_path: Path | None) -> tuple[Path, Path | None, Path]:
    """(working folder, a scratch folder to remove afterwards or None, the bot's log file)."""
    scratch = None
    if db_path is not None:
        workdir = db_path.resolve().parent
    elif log_path is not None:
        workdir = log_path.resolve().parent
    else:
        workdir = scratch = Path(tempfile.mkdtemp(prefix=f"loopback-{bot}-"))
    return workdir, scratch, log_path or workdir / f"{bot}.log"


def _open_log(path: Path) -> IO[bytes]:
    return path.open("wb")  # closed by running_bot after the process has ended


async def _stop_process(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()  # our own child, by its pid
            await process.wait()


# --- setup through slash commands -----------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def command_data(
    stub: DiscordStub, path: str, options: Sequence[dict[str, Any]] = (), **extra: Any
) -> dict[str, Any]:
    """An application command's data: "round open" becomes the command "round" with one option of
    type 1 (subcommand) named "open" holding the options, as Discord sends it."""
    top, *subcommands = path.split()
    inner: list[dict[str, Any]] = list(options)
    for name in reversed(subcommands):
        inner = [{"type": 1, "name": name, "options": inner}]
    data: dict[str, Any] = {"id": str(stub.command_id(top)), "name": top, "type": 1, "options": inner}
    data.update(extra)
    return data


def string_option(name: str, value: str) -> dict[str, Any]:
    return {"type": 3, "name": name, "value": value}


def integer_option(name: str, value: int) -> dict[str, Any]:
    return {"type": 4, "name": name, "value": value}


def channel_option(name: str, channel_id: int) -> dict[str, Any]:
    # The value is the snowflake as a string; the channel itself travels in data.resolved.
    return {"type": 7, "name": name, "value": str(channel_id)}


@dataclass(frozen=True)
class EventSetup:
    round_id: int
    panels: dict[int, dict[str, Any]]  # room channel id -> the panel message with its Vote button
    numbers: tuple[int, ...]  # the catalogue's initiative numbers


async def _answered(
    stub: DiscordStub, source: InteractionSource, data: dict[str, Any], kind: str
) -> tuple[InteractionRecord, CallbackRecord]:
    record = await stub.dispatch_interaction(source, 2, data, kind=kind, tag="setup")
    answer = await record.wait_answer(ANSWER_WAIT)
    if answer is None:
        raise SetupError(f"{kind}: no answer within 3 s ({[cb.code for cb in record.callbacks]})")
    return record, answer


def _expect(answer: CallbackRecord, kind: str, needle: str) -> str:
    content = (answer.data or {}).get("content") or ""
    if answer.type != CHANNEL_MESSAGE or needle not in content:
        raise SetupError(f"{kind}: unexpected answer type {answer.type}: {content[:300]!r}")
    return content


async def setup_event(harness: Harness, *, event: str = "GC", round_name: str = "R1") -> EventSetup:
    """What an organiser with Manage Server does before a round: every step a real slash command."""
    stub = harness.stub
    guild = stub.guild
    organiser = stub.make_member("Organiser", organiser=True)
    lobby = stub.source(organiser, guild.lobby_id)
    _, answer = await _answered(
        stub, lobby, command_data(stub, "event create", [string_option("name", event)]), "create"
    )
    _expect(answer, "/event create", "created")
    for n, room in enumerate(guild.room_ids, start=1):
        resolved = {"channels": {str(room): stub.channel_payload(room, permissions=organiser["permissions"])}}
        data = command_data(
            stub,
            "event room-add",
            [channel_option("channel", room), string_option("name", f"Room {n}")],
            resolved=resolved,
        )
        _, answer = await _answered(stub, lobby, data, "room-add")
        _expect(answer, "/event room-add", "breakout room")
    _, answer = await _answered(
        stub, lobby, command_data(stub, "round open", [string_option("name", round_name)]), "open"
    )
    _expect(answer, "/round open", "is open")
    panels: dict[int, dict[str, Any]] = {}
    round_id: int | None = None
    for room in guild.room_ids:
        record, answer = await _answered(
            stub, stub.source(organiser, room), command_data(stub, "round panel"), "panel"
        )
        message = stub.messages.get(record.original_message_id or 0)
        button = _find(
            message["components"] if message else [],
            lambda c: bool(VOTE_BUTTON.fullmatch(c.get("custom_id", ""))),
        )
        if answer.type != CHANNEL_MESSAGE or message is None or button is None:
            raise SetupError(f"/round panel: no Vote button in {answer.data!r:.300}")
        round_id = int(VOTE_BUTTON.fullmatch(button["custom_id"])[1])  # type: ignore[index]
        panels[room] = message
    assert round_id is not None
    # /round panel reads its message back (original_response) before storing the panel: give every
    # room's read time to arrive, so that the burst does not start with setup still in flight.
    reads = "GET webhooks/:id/:token/messages/:id"
    for _ in range(50):
        if stub.stats.rest_requests[reads] >= len(guild.room_ids):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.1)  # and the database write after it
    numbers = (
        await asyncio.to_thread(_catalogue_numbers, harness.db_path, guild.id) if harness.db_path else ()
    )
    return EventSetup(round_id, panels, numbers or tuple(range(1, 46)))


def _catalogue_numbers(db_path: Path, guild_id: int) -> tuple[int, ...]:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT i.number FROM initiatives i JOIN events e ON e.catalogue_id = i.catalogue_id "
            "WHERE e.guild_id = ? AND e.status = 'active' ORDER BY i.number",
            (guild_id,),
        ).fetchall()
    return tuple(number for (number,) in rows)


def _find(components: Iterable[dict[str, Any]], predicate: Any) -> dict[str, Any] | None:
    return next((c for c in walk_components(components) if predicate(c)), None)


# --- ballot templates (what the floor is sent, since it serves no ballot) ------------------


@dataclass(frozen=True)
class BallotTemplate:
    """A ballot the bot served: a form (``modal``) or a message with menus (``message``)."""

    kind: Literal["modal", "message"]
    payload: dict[str, Any]


def synthetic_template(
    kind: Literal["modal", "message"], numbers: Sequence[int], round_id: int = 1
) -> BallotTemplate:
    """A ballot shaped like the bot's (menus of at most 25 initiatives), for a floor run on its own."""
    chunks = [list(numbers[i : i + 25]) for i in range(0, len(numbers), 25)]

    def select(custom_id: str, chunk: list[int]) -> dict[str, Any]:
        return {
            "type": 3,
            "custom_id": custom_id,
            "placeholder": "Choose initiatives",
            "min_values": 0,
            "max_values": min(len(chunk), PICKS),
            "required": False,
            "options": [{"label": f"{n} · Initiative {n}", "value": str(n), "default": False} for n in chunk],
        }

    if kind == "modal":
        components: list[dict[str, Any]] = [{"type": 10, "content": "**Your ballot**"}]
        components += [
            {"type": 18, "label": f"Menu {i + 1}", "component": select(f"pb:ballot:{round_id}:{i}", chunk)}
            for i, chunk in enumerate(chunks)
        ]
        form = {"custom_id": f"pb:ballot:{round_id}", "title": "Your ballot", "components": components}
        return BallotTemplate("modal", {**form, "components": number_components(components)})
    rows: list[dict[str, Any]] = [
        {"type": 1, "components": [select(f"pb:menu:{round_id}:{i}", chunk)]}
        for i, chunk in enumerate(chunks)
    ]
    rows.append(
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 3, "label": "Submit ballot", "custom_id": f"pb:submit:{round_id}"}
            ],
        }
    )
    return BallotTemplate(
        "message", {"content": "**Your ballot**", "components": number_components(rows), "flags": 64}
    )


def floor_setup(
    harness: Harness, numbers: Sequence[int] = tuple(range(1, 46)), round_id: int = 1
) -> EventSetup:
    """The floor serves nothing, so its panels are posted directly into the stub."""
    panels = {}
    for room in harness.stub.guild.room_ids:
        button = {
            "type": 2,
            "style": 1,
            "label": "Vote",
            "emoji": {"name": "🗳️"},
            "custom_id": f"pb:vote:{round_id}",
        }
        panels[room] = harness.stub.post_message(
            room,
            {
                "embeds": [{"title": "Vote: R1", "description": "Press Vote to open your private ballot."}],
                "components": [{"type": 1, "components": [button]}],
            },
        )
    return EventSetup(round_id, panels, tuple(numbers))


# --- voters ---------------------------------------------------------------------------------


@dataclass
class VoterResult:
    user_id: int
    channel_id: int
    chosen: frozenset[int] = frozenset()
    shown: frozenset[int] | None = None  # the numbers the bot's last ballot reply listed
    reply: str = ""
    served: str = ""  # "modal", "message" or "pick"
    failure: str | None = None
    tries: int = 0
    ballot: BallotTemplate | None = field(default=None, repr=False)  # the ballot as first served
    records: list[InteractionRecord] = field(default_factory=list, repr=False)


def choose_values(selects: Sequence[dict[str, Any]], total: int, rng: random.Random) -> list[list[str]]:
    """``total`` option values at random across the menus, never more than a menu's max_values."""
    pool = [
        (index, option["value"])
        for index, select in enumerate(selects)
        for option in select.get("options", ())
    ]
    rng.shuffle(pool)
    picked: list[list[str]] = [[] for _ in selects]
    count = 0
    for index, value in pool:
        if count == total:
            break
        if len(picked[index]) < int(selects[index].get("max_values", 1)):
            picked[index].append(value)
            count += 1
    return picked


def shown_numbers(content: str) -> frozenset[int] | None:
    """The initiative numbers a reply lists as bullets ("• 12 · Title"); None if it lists none."""
    numbers = frozenset(int(n) for n in BULLET.findall(content))
    return numbers or None


def _submitted(component: dict[str, Any], values: dict[str, list[str]]) -> dict[str, Any]:
    """A modal component as its submission carries it (Discord echoes the ids it assigned)."""
    kind = component["type"]
    out: dict[str, Any] = {"type": kind, "id": component.get("id")}
    if kind == 18:
        out["component"] = _submitted(component["component"], values)
    elif kind == 1:
        out["components"] = [_submitted(c, values) for c in component.get("components", ())]
    elif kind in (3, 5, 6, 7, 8):
        out |= {"custom_id": component["custom_id"], "values": values.get(component["custom_id"], [])}
    elif kind == 4:
        out |= {"custom_id": component["custom_id"], "value": component.get("value") or ""}
    elif kind == 10:
        out["content"] = component.get("content", "")
    return out


@dataclass(frozen=True)
class PanelPayloads:
    """A room's panel message and its Vote press, serialised once for every voter in the room."""

    message_json: str
    vote_json: str

    @classmethod
    def of(cls, panel: dict[str, Any]) -> PanelPayloads:
        button = _find(panel["components"], lambda c: bool(VOTE_BUTTON.fullmatch(c.get("custom_id", ""))))
        if button is None:
            raise ValueError("the panel has no Vote button")
        press = {"custom_id": button["custom_id"], "component_type": 2, "id": button.get("id")}
        return cls(_dumps(panel), _dumps(press))


class Voter:
    """One participant. Payloads that do not depend on the bot's answers are serialised up front,
    so that the driver, which shares the machine with the bot, does little during the burst."""

    def __init__(
        self,
        stub: DiscordStub,
        index: int,
        channel_id: int,
        panel: PanelPayloads,
        numbers: Sequence[int],
        rng: random.Random,
        fallback: BallotTemplate | None,
        flow: Flow,
    ) -> None:
        self.stub = stub
        member = stub.make_member(f"Voter{index}")
        self.source = stub.source(member, channel_id)
        self.rng = rng
        self.fallback = fallback
        self.result = VoterResult(int(member["user"]["id"]), channel_id)
        self.panel_json = panel.message_json
        self.vote_json = panel.vote_json
        self.picks = tuple(rng.sample(list(numbers), PICKS))
        self.pick_json = (
            [_dumps(command_data(stub, "pick", [integer_option("initiative", n)])) for n in self.picks]
            if flow == "pick"
            else []
        )

    async def _interact(
        self, type_: int, data: dict[str, Any] | str, kind: str, message: dict[str, Any] | str | None = None
    ) -> tuple[InteractionRecord, CallbackRecord] | None:
        for attempt in range(TRIES):
            record = await self.stub.dispatch_interaction(
                self.source, type_, data, message=message, kind=kind, tag="burst"
            )
            self.result.records.append(record)
            self.result.tries += 1
            answer = await record.wait_answer(ANSWER_WAIT)
            if answer is not None:
                return record, answer
            if attempt + 1 < TRIES:
                await asyncio.sleep(RETRY_AFTER)  # "This interaction failed"; press again
        return None

    async def run(self, flow: Flow, delay: float) -> VoterResult:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            if flow == "pick":
                await self._pick()
            else:
                await self._vote()
        except (ConnectionError, KeyError, ValueError, TypeError) as error:
            self.result.failure = f"{type(error).__name__}: {error}"
        return self.result

    async def _pick(self) -> None:
        result = self.result
        result.served = "pick"
        result.chosen = frozenset(self.picks)
        for data in self.pick_json:
            got = await self._interact(2, data, "pick")
            if got is None:
                result.failure = "pick: no answer after 3 tries"
                continue  # a person would go on with the next pick
            content = (got[1].data or {}).get("content") or ""
            result.reply = content
            shown = shown_numbers(content)
            if shown is not None:
                result.shown = shown

    async def _vote(self) -> None:
        result = self.result
        got = await self._interact(3, self.vote_json, "vote", self.panel_json)
        if got is None:
            result.failure = "vote: no answer after 3 tries"
            return
        record, answer = got
        message = self.stub.messages.get(record.original_message_id or 0)
        if answer.type == MODAL and record.modal is not None:
            result.ballot = BallotTemplate("modal", record.modal)
            await self._fill_form(record.modal)
        elif (
            answer.type == CHANNEL_MESSAGE
            and message
            and _find(message["components"], lambda c: c["type"] == 3)
        ):
            # A snapshot: the stub replaces (never mutates) a message's parts when it is updated.
            keep = ("content", "components", "flags", "embeds")
            result.ballot = BallotTemplate("message", {k: message[k] for k in keep if k in message})
            await self._fill_message(message)
        elif self.fallback is not None:
            # The floor answers "ok": send what would follow anyway, so it gets the same load.
            if self.fallback.kind == "modal":
                await self._fill_form(self.fallback.payload)
            else:
                base = message or {"id": str(self.stub.ids.next()), "channel_id": str(self.source.channel_id)}
                await self._fill_message({**base, **self.fallback.payload})
        else:
            result.failure = f"vote: no ballot in the answer (type {answer.type}): {(answer.data or {}).get('content')!r:.200}"

    async def _fill_form(self, form: dict[str, Any]) -> None:
        result = self.result
        result.served = "modal"
        selects = [c for c in walk_components(form["components"]) if c["type"] == 3]
        picked = choose_values(selects, PICKS, self.rng)
        values = {s["custom_id"]: v for s, v in zip(selects, picked, strict=True)}
        result.chosen = frozenset(int(v) for vs in picked for v in vs)
        submission = {
            "custom_id": form["custom_id"],
            "components": [_submitted(c, values) for c in form["components"]],
        }
        # A form opened from a button carries that button's message, as on Discord.
        got = await self._interact(5, submission, "modal-submit", self.panel_json)
        if got is None:
            result.failure = "modal submit: no answer after 3 tries"
            return
        result.reply = (got[1].data or {}).get("content") or ""
        result.shown = shown_numbers(result.reply)

    async def _fill_message(self, message: dict[str, Any]) -> None:
        result = self.result
        result.served = "message"
        selects = [c for c in walk_components(message["components"]) if c["type"] == 3]
        picked = choose_values(selects, PICKS, self.rng)
        result.chosen = frozenset(int(v) for vs in picked for v in vs)
        for select, values in zip(selects, picked, strict=True):
            data = {
                "custom_id": select["custom_id"],
                "component_type": 3,
                "values": values,
                "id": select.get("id"),
            }
            got = await self._interact(3, data, "ballot-select", message)
            if got is None:
                result.failure = "ballot menu: no answer after 3 tries"
                return
            record, answer = got
            if answer.type == UPDATE_MESSAGE:
                message = self.stub.messages.get(record.source_message_id or 0, message)
        submit = _find(message["components"], lambda c: str(c.get("custom_id", "")).startswith("pb:submit"))
        if submit is None:
            result.failure = "ballot: no Submit button"
            return
        data = {"custom_id": submit["custom_id"], "component_type": 2, "id": submit.get("id")}
        got = await self._interact(3, data, "ballot-submit", message)
        if got is None:
            result.failure = "ballot submit: no answer after 3 tries"
            return
        result.reply = (got[1].data or {}).get("content") or ""
        result.shown = shown_numbers(result.reply)


# --- checking what was stored ---------------------------------------------------------------


@dataclass
class Verification:
    confirmed: int = 0  # voters whose last reply listed their ballot
    correct: int = 0  # chosen == shown == stored
    mis_saved: int = 0  # stored or shown differs from what the voter chose
    lost: int = 0  # the voter was shown a saved ballot, and nothing is stored
    double_counted: int = 0  # duplicate ballot rows or picks, or ballots of nobody who voted
    unconfirmed: int = 0  # never shown a saved ballot (gave up after 3 tries, or an error)
    problems: list[str] = field(default_factory=list)


def verify_ballots(
    db_path: Path, round_id: int, results: Sequence[VoterResult], keep: int = 8
) -> Verification:
    """Compare every voter's choice with the reply they saw and the rows in ballots/ballot_picks."""
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT b.id, b.voter, p.initiative FROM ballots b LEFT JOIN ballot_picks p ON p.ballot_id = b.id "
            "WHERE b.round_id = ?",
            (round_id,),
        ).fetchall()
        duplicate_ballots = db.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM ballots WHERE round_id = ? "
            "GROUP BY voter HAVING n > 1)",
            (round_id,),
        ).fetchone()[0]
    stored: dict[str, set[int]] = {}
    pick_rows: Counter[tuple[int, int]] = Counter()
    for ballot_id, voter, initiative in rows:
        picks = stored.setdefault(voter, set())
        if initiative is not None:
            picks.add(initiative)
            pick_rows[(ballot_id, initiative)] += 1
    check = Verification()
    check.double_counted = int(duplicate_ballots) + sum(n - 1 for n in pick_rows.values() if n > 1)
    voters = {str(r.user_id) for r in results}
    check.double_counted += sum(1 for voter in stored if voter not in voters)

    def problem(text: str) -> None:
        if len(check.problems) < keep:
            check.problems.append(text)

    for result in results:
        saved = stored.get(str(result.user_id))
        saved_set = frozenset(saved) if saved else None
        if result.shown is not None:
            check.confirmed += 1
            if saved_set is None:
                check.lost += 1
                problem(f"lost: voter {result.user_id} was shown {sorted(result.shown)}, nothing stored")
            elif result.chosen == result.shown == saved_set:
                check.correct += 1
            else:
                check.mis_saved += 1
                problem(
                    f"mis-saved: voter {result.user_id} chose {sorted(result.chosen)}, "
                    f"shown {sorted(result.shown)}, stored {sorted(saved_set)}"
                )
        else:
            check.unconfirmed += 1
            problem(f"unconfirmed: voter {result.user_id}: {result.failure or result.reply[:120]!r}")
            if saved_set is not None and not saved_set <= result.chosen:
                check.mis_saved += 1
                problem(
                    f"mis-saved: voter {result.user_id} chose {sorted(result.chosen)}, stored {sorted(saved_set)}"
                )
    return check


# --- the burst ------------------------------------------------------------------------------


@dataclass
class BurstReport:
    bot: str
    voters: int
    flow: str  # as asked
    served: str  # what the Vote button actually opened ("modal", "message", "pick", "mixed")
    spread: float
    interactions: int
    answered_in_time: int
    unanswered: int  # no callback at all, not even a late one
    p50: float | None
    p99: float | None
    max_latency: float | None
    late_callbacks: int  # 404 / 10062 given to the bot for burst interactions
    second_callbacks: int  # 400 / 40060
    rate_limited: int  # 429s on channel routes during the burst
    bot_cpu_seconds: float
    peak_rss_mib: float
    probe_seconds: float  # burst end until a fresh probe was answered within 3 s
    probe_latency: float | None
    driver_cpu_seconds: float
    driver_max_lag: float  # worst event-loop lag in this process: the stub's timestamps are this late
    duration: float  # first dispatch until the last voter finished
    check: Verification | None  # None for the floor
    template: BallotTemplate | None = None
    unknown_routes: dict[str, int] = field(default_factory=dict)
    records: list[InteractionRecord] = field(default_factory=list, repr=False)
    results: list[VoterResult] = field(default_factory=list, repr=False)

    @property
    def within_share(self) -> float:
        return self.answered_in_time / self.interactions if self.interactions else float("nan")

    @property
    def cpu_ms_per_interaction(self) -> float:
        return 1000 * self.bot_cpu_seconds / self.interactions if self.interactions else float("nan")

    @property
    def driver_cpu_ms_per_interaction(self) -> float:
        return 1000 * self.driver_cpu_seconds / self.interactions if self.interactions else float("nan")

    def write_records_csv(self, path: Path) -> None:
        """One row per interaction: what was sent, when, and every callback's arrival and status."""
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(
                ["interaction", "kind", "user", "dispatched", "first_callback_s", "status", "callbacks"]
            )
            for r in self.records:
                statuses = ";".join(
                    f"{cb.status}/{cb.code or 0}@{cb.arrived - r.dispatched:.4f}" for cb in r.callbacks
                )
                latency = "" if r.latency is None else f"{r.latency:.4f}"
                writer.writerow(
                    [r.id, r.kind, r.user_id, f"{r.dispatched:.4f}", latency, record_status(r), statuses]
                )


def record_status(record: InteractionRecord) -> str:
    """answered (in time), late (only 10062s), second (a 40060 after the answer), none."""
    if record.answer is not None:
        return "second" if any(cb.code == ALREADY_ACKNOWLEDGED for cb in record.callbacks) else "answered"
    if any(cb.code == UNKNOWN_INTERACTION for cb in record.callbacks):
        return "late"
    return "none"


class _LagProbe:
    """How late this process's event loop runs a timer: the stub stamps dispatches and callback
    arrivals on this loop, so a busy driver would inflate latencies by up to this much."""

    INTERVAL = 0.05

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.INTERVAL)
            self.worst = max(self.worst, loop.time() - before - self.INTERVAL)


def _quantile(sorted_values: Sequence[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


async def burst(
    harness: Harness,
    setup: EventSetup,
    voters: int,
    flow: Flow,
    spread: float = 0.0,
    *,
    seed: int = 0,
    fallback: BallotTemplate | None = None,
    settle: float = 3.0,
) -> BurstReport:
    """``voters`` participants at once (spread 0) or arriving uniformly over ``spread`` seconds.

    Bot CPU is the delta of the bot process's utime+stime from the first dispatch until late
    answers stopped arriving (``settle`` quiet seconds after the probe). ``fallback`` is the ballot
    a voter fills when the bot serves none (the floor).
    """
    if flow not in FLOWS:
        raise ValueError(f"flow must be one of {FLOWS}")
    stub = harness.stub
    if fallback is None and harness.kind == "floor" and flow != "pick":
        fallback = synthetic_template(
            "message" if flow == "message" else "modal", setup.numbers, setup.round_id
        )
    rooms = list(setup.panels)
    panels = {room: PanelPayloads.of(panel) for room, panel in setup.panels.items()}
    people = [
        Voter(
            stub,
            i,
            rooms[i % len(rooms)],
            panels[rooms[i % len(rooms)]],
            setup.numbers,
            random.Random(seed * 1_000_003 + i),
            fallback,
            flow,
        )
        for i in range(voters)
    ]
    rng = random.Random(seed ^ 0x5EED)
    arrivals = sorted(rng.uniform(0, spread) for _ in people) if spread > 0 else [0.0] * voters
    harness.check_alive()
    routes_before = Counter(stub.stats.unknown_routes)
    limited_before = stub.stats.rate_limited
    # No cyclic GC in this process during the burst: a full collection over thousands of records
    # stalls the loop for ~0.1 s, and the stub stamps callback arrivals on this loop.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        cpu_before, driver_before = harness.cpu_seconds(), _driver_cpu_seconds()
        lag = _LagProbe()
        lag.start()
        started = time.monotonic()
        runs = (p.run(flow, delay) for p, delay in zip(people, arrivals, strict=True))
        results = await asyncio.gather(*runs)
        ended = time.monotonic()
        lag.stop()
    finally:
        gc.enable()
        gc.unfreeze()
    harness.check_alive()
    probe_seconds, probe_latency = await harness.wait_answering(60.0)
    records = stub.tagged("burst")
    # Late answers still in flight count too: wait until none has arrived for `settle` seconds.
    while True:
        quiet = time.monotonic() - max(stub.last_callback_at(records), ended)
        if quiet >= settle:
            break
        await asyncio.sleep(settle - quiet)
    cpu = harness.cpu_seconds() - cpu_before
    driver_cpu = _driver_cpu_seconds() - driver_before
    rss = harness.peak_rss_mib()

    latencies = sorted(r.latency for r in records if r.latency is not None)
    served_kinds = {r.served for r in results if r.served}
    check = None
    if harness.kind == "prioritybot" and harness.db_path is not None:
        check = await asyncio.to_thread(verify_ballots, harness.db_path, setup.round_id, results)
    # The first ballot the bot served, so that a floor run can be sent the same.
    template = fallback or next((r.ballot for r in results if r.ballot is not None), None)
    return BurstReport(
        bot=harness.kind,
        voters=voters,
        flow=flow,
        served=served_kinds.pop() if len(served_kinds) == 1 else ("mixed" if served_kinds else "none"),
        spread=spread,
        interactions=len(records),
        answered_in_time=sum(1 for r in records if r.answer is not None),
        unanswered=sum(1 for r in records if not r.callbacks),
        p50=_quantile(latencies, 0.50),
        p99=_quantile(latencies, 0.99),
        max_latency=latencies[-1] if latencies else None,
        late_callbacks=sum(1 for r in records for cb in r.callbacks if cb.code == UNKNOWN_INTERACTION),
        second_callbacks=sum(1 for r in records for cb in r.callbacks if cb.code == ALREADY_ACKNOWLEDGED),
        rate_limited=stub.stats.rate_limited - limited_before,
        bot_cpu_seconds=cpu,
        peak_rss_mib=rss,
        probe_seconds=probe_seconds,
        probe_latency=probe_latency,
        driver_cpu_seconds=driver_cpu,
        driver_max_lag=lag.worst,
        duration=ended - started,
        check=check,
        template=template,
        unknown_routes=dict(stub.stats.unknown_routes - routes_before),
        records=records,
        results=list(results),
    )


async def run_burst(
    db_path: Path | None,
    voters: int,
    flow: Flow,
    spread: float = 0.0,
    *,
    bot: BotKind = "prioritybot",
    seed: int = 0,
    bot_root: Path | None = None,
    template: BallotTemplate | None = None,
    log_path: Path | None = None,
) -> BurstReport:
    """Start stub and bot, set the event up (the floor gets posted panels), run one burst, stop."""
    async with running_bot(db_path, bot=bot, bot_root=bot_root, log_path=log_path) as harness:
        if bot == "prioritybot":
            setup = await setup_event(harness)
        else:
            setup = floor_setup(harness)
        return await burst(harness, setup, voters, flow, spread, seed=seed, fallback=template)
