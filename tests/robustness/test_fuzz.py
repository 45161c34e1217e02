"""Hostile input: ballot CSV files, catalogue TOML and slash-command options.

Every case must end in a correct result or a clear, polite refusal, never a traceback; and a
refused input must leave the database as it was.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import sqlite3
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout, suppress
from pathlib import Path

import discord
import pytest
import simcord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.client import PriorityBot
from bot.domain.ballot_import import MAX_FIELD_LENGTH, parse_ballot_csv
from bot.domain.ballots import Ballot, PickLimits
from bot.domain.catalogue import Catalogue, catalogue_from_mapping, parse_catalogue
from bot.domain.errors import CatalogueError, ImportFileError
from bot.services.events import MAX_NAME_LENGTH, clean_name
from db.connection import Database
from tests.robustness.conftest import dump

BUILTIN = Path(__file__).resolve().parents[2] / "bot" / "catalogues" / "movement-strategy-2020.toml"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Who was seen at the event (feedback/attendance): recorded for every interaction, refused or not.
BOOKKEEPING = ("attendance", "attendee_roles")
DISCORD_OPTION_LIMIT = 6000  # Discord's client refuses longer string options
INTEGER_LIMIT = 2**53 - 1  # and integers outside +-(2^53 - 1)

HOSTILE = [
    "'; DROP TABLE ballots; --",
    "Robert'); DELETE FROM events WHERE ('1'='1",
    "1 OR 1=1",
    "<@123>",
    "<@&456>",
    "<#789>",
    "@everyone",
    "@here",
    "\u202eevil\u202c",
    "\u200f\u200e\u2066isolate\u2069",
    "\u200b",
    "\ufeffbom",
    "=cmd|' /C calc'!A0",
    "**bold** __under__ ||spoiler|| `code`",
    "{name} {0} %s %(x)s",
    "a\x00b",
    "\x00",
    "line\nbreak",
    "tab\there",
    "\x1b[31mred",
    "\x7f",
    "\u2028\u2029",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🗳️ العربية 中文",
    "é" * 101,
    "x" * MAX_FIELD_LENGTH,
    "x" * (MAX_FIELD_LENGTH + 1),
    "y" * 5999,
    '"',
    '""',
    ",",
    "   ",
    "",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x3F, exclude_categories=["Cs"]), max_size=20),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=10)),
)
initiative_cell = st.one_of(
    st.integers(min_value=-50, max_value=100).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["", " 7 ", "+3", "07", "1.5", "0x10", "１２", "1_0", "NaN", "9" * 5000, "\x001", "2\u202e"]
    ),
    hostile_text,
)


def safe(text: str) -> bool:
    """Whether a cell survives the importer's own rules (after stripping)."""
    value = text.strip()
    return bool(value) and len(value) <= MAX_FIELD_LENGTH and all(ord(ch) >= 32 for ch in value)


@st.composite
def hostile_csv(draw: st.DrawFn) -> bytes:
    """Ballot files from well-formed-but-hostile to broken: odd cells, columns, encodings."""
    header = draw(
        st.sampled_from(
            [
                ["ballot", "room", "initiative"],
                [" Ballot ", "ROOM", "initiative", "extra"],
                ["room", "initiative"],
            ]
        )
    )
    rows = draw(
        st.lists(
            st.lists(st.one_of(hostile_text, initiative_cell), min_size=0, max_size=len(header) + 1),
            max_size=12,
        )
    )
    out = io.StringIO()
    if draw(st.booleans()):
        csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
    else:  # written by hand, quotes and all left as they are
        out.write("\n".join(",".join(row) for row in [header, *rows]))
    data = out.getvalue().encode("utf-8", "surrogatepass")
    mutation = draw(st.sampled_from(["none", "bom", "invalid-utf8", "truncate", "nul"]))
    if mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    elif mutation == "invalid-utf8":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"])) + data[at:]
    elif mutation == "truncate":
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    elif mutation == "nul":
        data = data.replace(b",", b"\x00,", 1)
    return data


@st.composite
def valid_hostile_ballots(draw: st.DrawFn) -> dict[str, tuple[str, frozenset[int]]]:
    """Ballots whose ids and rooms are hostile but within the rules: they must import exactly."""
    names = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=30)).filter(safe)
    voters = draw(st.lists(names, min_size=1, max_size=8, unique_by=str.strip))
    return {
        voter.strip(): (
            draw(st.one_of(st.just(""), names)).strip(),
            frozenset(draw(st.lists(st.integers(1, 45), min_size=1, max_size=8, unique=True))),
        )
        for voter in voters
    }


def to_csv(ballots: dict[str, tuple[str, frozenset[int]]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ballot", "room", "initiative"])
    for voter, (room, picks) in ballots.items():
        writer.writerows((voter, room, number) for number in sorted(picks))
    return out.getvalue().encode("utf-8", "surrogatepass")


def check_parsed(ballots: list[Ballot], catalogue: Catalogue) -> None:
    assert ballots, "an accepted file has ballots"
    assert len({b.voter for b in ballots}) == len(ballots)
    for ballot in ballots:
        assert safe(ballot.voter) and ballot.voter == ballot.voter.strip()
        assert ballot.room is None or safe(ballot.room)
        assert ballot.picks and ballot.picks <= catalogue.initiative_numbers


# --- (a) ballot CSV: the parser, then the import command ------------------------------------


@FUZZ
@given(raw=st.one_of(hostile_csv(), st.binary(max_size=300)), max_picks=st.sampled_from([None, 1, 6]))
def test_parse_ballot_csv_accepts_or_names_the_problem(
    catalogue: Catalogue, raw: bytes, max_picks: int | None
) -> None:
    limits = PickLimits(1, max_picks)
    try:
        ballots = parse_ballot_csv(raw, catalogue, limits, source="in.csv")
    except ImportFileError as exc:
        assert str(exc).startswith("in.csv")
        return
    check_parsed(ballots, catalogue)
    assert all(max_picks is None or len(b.picks) <= max_picks for b in ballots)


@FUZZ
@given(ballots=valid_hostile_ballots())
def test_hostile_but_valid_ids_and_rooms_are_imported_exactly(
    catalogue: Catalogue, ballots: dict[str, tuple[str, frozenset[int]]]
) -> None:
    parsed = parse_ballot_csv(to_csv(ballots), catalogue, PickLimits(1, None))
    assert {b.voter: (b.room or "", b.picks) for b in parsed} == ballots


def stored_import(db_path: Path) -> dict[str, tuple[str, frozenset[int]]]:
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute(
            "SELECT b.voter, COALESCE(r.name, ''), p.initiative FROM ballots b "
            "JOIN rounds ro ON ro.id = b.round_id JOIN events e ON e.id = ro.event_id "
            "LEFT JOIN rooms r ON r.id = b.room_id JOIN ballot_picks p ON p.ballot_id = b.id "
            "WHERE e.guild_id = 0 AND e.name = 'E' AND ro.name = 'Imported'"
        ).fetchall()
    finally:
        connection.close()
    found: dict[str, tuple[str, set[int]]] = {}
    for voter, room, number in rows:
        found.setdefault(voter, (room, set()))[1].add(number)
    return {voter: (room, frozenset(picks)) for voter, (room, picks) in found.items()}


def run_import(db_path: Path, file: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", str(db_path), "import-ballots", str(file), "--event", "E"])
    return code, out.getvalue(), err.getvalue()


def test_import_command_with_hostile_files(tmp_path: Path, catalogue: Catalogue) -> None:
    db_path = tmp_path / "fuzz.sqlite3"
    file = tmp_path / "in.csv"
    outcomes = {0: 0, 1: 0}

    async def migrate() -> None:
        # The command creates and migrates a missing database before it reads the file; what a
        # refused file must not change is the content of an existing one.
        await (await Database.open(db_path)).close()

    asyncio.run(migrate())

    @FUZZ
    @given(raw=st.one_of(hostile_csv(), valid_hostile_ballots().map(to_csv)))
    def import_one(raw: bytes) -> None:
        file.write_bytes(raw)
        before = dump(db_path)
        previous = stored_import(db_path)
        code, out, err = run_import(db_path, file)
        outcomes[code] = outcomes.get(code, 0) + 1
        if code == 1:
            assert err.startswith("prioritybot: ") and str(file) in err, err
            assert "Traceback" not in err and out == ""
            assert dump(db_path) == before
            return
        assert code == 0, (code, err)
        assert err == "" and out.startswith("Imported ")
        expected = {
            b.voter: (b.room or "", b.picks) for b in parse_ballot_csv(raw, catalogue, PickLimits(1, None))
        }
        # Same ids replace, other ballots stay.
        assert stored_import(db_path) == {**previous, **expected}
        with sqlite3.connect(db_path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    import_one()
    assert outcomes[0] > 0 and outcomes[1] > 0  # both paths were exercised


# --- (b) catalogue TOML ---------------------------------------------------------------------

toml_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=True),
    hostile_text,
)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        escaped = "".join(
            ch if 32 <= ord(ch) != 127 and ch not in '"\\' else f"\\u{ord(ch):04x}" for ch in value
        )
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


@st.composite
def catalogue_documents(draw: st.DrawFn) -> str:
    """Catalogue-shaped TOML with hostile values in every field, sometimes missing or mistyped."""
    field_value = st.one_of(toml_scalars, st.lists(toml_scalars, max_size=3))

    def maybe(key: str, good: st.SearchStrategy[object]) -> dict[str, object]:
        choice = draw(st.sampled_from(["good", "good", "good", "bad", "missing"]))
        if choice == "missing":
            return {}
        return {key: draw(good if choice == "good" else field_value)}

    numbers = st.integers(min_value=-5, max_value=50)
    titles = st.one_of(st.sampled_from(["Alpha", "Beta"]), hostile_text)
    recommendations = []
    for _ in range(draw(st.integers(0, 3))):
        initiatives = [
            {**maybe("number", numbers), **maybe("title", titles), **maybe("titles", st.dictionaries(
                st.sampled_from(["fr", "de", "", "\u202e"]), titles, max_size=2))}
            for _ in range(draw(st.integers(0, 3)))
        ]  # fmt: skip
        recommendations.append(
            {**maybe("number", numbers), **maybe("title", titles), "initiatives": initiatives}
        )
    lines = [f"name = {toml_value(draw(titles))}"]
    for rec in recommendations:
        lines.append("[[recommendations]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in rec.items() if k != "initiatives"]
        for ini in rec["initiatives"]:  # type: ignore[attr-defined]
            lines.append("[[recommendations.initiatives]]")
            lines += [f"{k} = {toml_value(v)}" for k, v in ini.items()]
    for _ in range(draw(st.integers(0, 2))):
        lines.append("[[merge_rules]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in {**maybe("source", numbers), **maybe("target", numbers),
                                                         **maybe("note", titles)}.items()]  # fmt: skip
    if draw(st.booleans()):
        lines.append(f"[metadata]\nkey = {toml_value(draw(field_value))}")
    return "\n".join(lines) + "\n"


@st.composite
def mutated_builtin(draw: st.DrawFn) -> str:
    text = BUILTIN.read_text(encoding="utf-8")
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 200)))
    return text[:start] + draw(hostile_text) + text[end:]


def check_catalogue(text: str) -> None:
    try:
        catalogue = parse_catalogue(text, "fuzz.toml")
    except CatalogueError as exc:
        assert str(exc).startswith("fuzz.toml")
        return
    assert catalogue.name.strip() and catalogue.recommendations
    numbers = [i.number for i in catalogue.initiatives]
    assert len(numbers) == len(set(numbers))
    assert all(i.title.strip() and all(ord(ch) >= 32 for ch in i.title) for i in catalogue.initiatives)
    assert all(r.source in numbers and r.target in numbers for r in catalogue.merge_rules)


@FUZZ
@given(text=st.one_of(catalogue_documents(), mutated_builtin(), st.text(max_size=200)))
def test_parse_catalogue_returns_a_catalogue_or_a_catalogue_error(text: str) -> None:
    check_catalogue(text)


json_like = st.recursive(
    st.one_of(st.none(), toml_scalars),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["name", "recommendations", "initiatives", "number", "title", "titles", "merge_rules", "source",
         "target", "metadata", "description", "note"]), inner, max_size=5)),
    max_leaves=20,
)  # fmt: skip


@FUZZ
@given(
    data=st.dictionaries(st.sampled_from(["name", "recommendations", "merge_rules", "metadata"]), json_like)
)
def test_catalogue_from_any_mapping_is_a_catalogue_or_a_catalogue_error(data: dict[str, object]) -> None:
    with suppress(CatalogueError):
        catalogue_from_mapping(data, "fuzz.toml")


def test_import_with_a_catalogue_whose_numbers_do_not_fit_sqlite(tmp_path: Path) -> None:
    big = 2**64
    (tmp_path / "big.toml").write_text(
        f'name = "Big"\n[[recommendations]]\nnumber = 1\ntitle = "R"\n'
        f'[[recommendations.initiatives]]\nnumber = {big}\ntitle = "Huge"\n',
        encoding="utf-8",
    )
    (tmp_path / "in.csv").write_text(f"ballot,room,initiative\nb1,A,{big}\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(
            ["--db", str(tmp_path / "db.sqlite3"), "import-ballots", str(tmp_path / "in.csv"),
             "--event", "E", "--catalogue", str(tmp_path / "big.toml")]
        )  # fmt: skip
    assert code == 1
    assert "big.toml" in err.getvalue()
    assert "between 0 and 999999" in err.getvalue()


# --- (c) slash-command options through simcord ----------------------------------------------


def hostile_names(seed: int, count: int) -> list[str]:
    """The curated list, then random strings mixing every plane, controls, marks and markdown."""
    rng = random.Random(seed)
    pieces = [*HOSTILE, "\u0301", "\u202e", "\x00", "\n", "\t", " ", "*", "_", "`", "~", "|", "<@", ">", "@"]

    def random_char() -> str:
        while True:
            code = rng.choice(
                [rng.randrange(0, 0x80), rng.randrange(0x80, 0x3000), rng.randrange(0x1F300, 0x1FAFF)]
            )
            if not 0xD800 <= code <= 0xDFFF:
                return chr(code)

    generated = []
    for _ in range(count):
        length = rng.choice([1, 3, 10, 50, 99, 100, 101, 150, 1000, 6000])
        parts: list[str] = []
        while sum(map(len, parts)) < length:
            parts.append(rng.choice(pieces) if rng.random() < 0.2 else random_char())
        generated.append("".join(parts)[:length])
    return [*HOSTILE, *generated]


def discord_would_send(text: str) -> bool:
    return 0 < len(text) <= DISCORD_OPTION_LIMIT


def accepted_name(text: str) -> str | None:
    try:
        return clean_name(text, "event")
    except Exception:
        return None


def content_of(result: simcord.InteractionResult) -> str:
    message = result.response or (result.followups[0] if result.followups else None)
    assert message is not None, "the bot did not answer"
    return message.content


def mentions_blocked(env: simcord.Env, since: int) -> int:
    """No message the bot sent could ping anyone, whatever the user typed; how many were checked."""
    checked = 0
    for request in env.http_requests[since:]:
        body = request.json if isinstance(request.json, dict) else {}
        data = body.get("data") if isinstance(body.get("data"), dict) else body
        if data.get("content") or data.get("embeds"):
            assert data.get("allowed_mentions", {}).get("parse") == [], request
            checked += 1
    return checked


async def test_hostile_slash_command_options_are_answered_and_refusals_change_nothing(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "fuzz.sqlite3"
    db = await Database.open(db_path)
    names = hostile_names(seed=2020, count=30)
    integers = [0, -1, 1, 45, 46, -(2**31), 2**31, 2**53, -(2**53), 2**63, 10**30]
    rng = random.Random(5)
    integers += [rng.randint(-(2**53), 2**53) for _ in range(10)] + [rng.randint(-50, 100) for _ in range(20)]
    checked: dict[str, int] = {}
    try:
        bot = PriorityBot(db, sync_commands_on_start=True)
        async with simcord.run(bot) as env:
            guild = env.create_guild("Fuzz")
            lobby = guild.create_text_channel("lobby")
            room = guild.create_text_channel("room")
            organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
            organiser = guild.add_member(env.create_user("olga"), roles=[organisers])
            voter = guild.add_member(env.create_user("vic"))

            async def attempt(
                actor: simcord.MemberActor,
                where: simcord.ChannelHandle,
                command: str,
                accepted: Callable[[str], bool],
                check_accepted: Callable[[], None] | None = None,
                **options: object,
            ) -> bool:
                before, requests = dump(db_path, ignore=BOOKKEEPING), len(env.http_requests)
                result = await actor.slash(where, command, **options)
                text = content_of(result)
                checked["mentions"] = checked.get("mentions", 0) + mentions_blocked(env, requests)
                checked[command] = checked.get(command, 0) + 1
                if accepted(text):
                    if check_accepted:
                        check_accepted()
                    return True
                assert result.ephemeral, (command, options, text)
                assert "Something went wrong" not in text, (command, options, text)
                assert dump(db_path, ignore=BOOKKEEPING) == before, (command, options, text)
                return False

            def events_named(name: str) -> int:
                with sqlite3.connect(db_path) as connection:
                    return int(
                        connection.execute(
                            "SELECT COUNT(*) FROM events WHERE guild_id = ? AND name = ?", (guild.id, name)
                        ).fetchone()[0]
                    )

            for name in filter(discord_would_send, names):
                cleaned = accepted_name(name)
                created = await attempt(
                    organiser,
                    lobby,
                    "event create",
                    lambda text: "created with the catalogue" in text,
                    name=name,
                )
                assert created == (cleaned is not None and len(cleaned) <= MAX_NAME_LENGTH), name
                if created:
                    assert cleaned is not None and events_named(cleaned) == 1
                    await organiser.slash(lobby, "event close")

            await organiser.slash(lobby, "event create", name="Fuzz event")
            rooms: set[str | None] = set()
            for name in filter(discord_would_send, names):
                channel = guild.create_text_channel("breakout")
                cleaned = accepted_name(name)
                added = await attempt(
                    organiser, lobby, "event room-add", lambda text: "is now the breakout room" in text,
                    channel=channel, name=name,
                )  # fmt: skip
                assert added == (cleaned is not None and cleaned not in rooms), name
                if added:
                    rooms.add(cleaned)
            for name in filter(discord_would_send, names):
                cleaned = accepted_name(name)
                opened = await attempt(
                    organiser, lobby, "round open", lambda text: "is open" in text, name=name
                )
                assert opened == (cleaned is not None), name
                if opened:
                    await organiser.slash(lobby, "round close")

            await organiser.slash(lobby, "event room-add", channel=room, name="Voting room")
            await organiser.slash(lobby, "round open", name="Picks", max_picks=45)
            for number in integers:
                if abs(number) > INTEGER_LIMIT:
                    with pytest.raises(simcord.OptionError):  # Discord would not send it
                        await voter.slash(room, "pick", initiative=number)
                    continue
                picked = await attempt(
                    voter, room, "pick", lambda text: "✅ Added" in text, initiative=number
                )
                assert picked == (1 <= number <= 45), number  # every success is undone below
                if picked:
                    await attempt(voter, room, "unpick", lambda text: "✅ Removed" in text, initiative=number)
    finally:
        await db.close()
    assert checked["event create"] >= 40 and checked["pick"] >= 30
    assert checked["mentions"] >= checked["event create"]  # every answer was looked at


async def test_event_create_with_a_catalogue_whose_numbers_do_not_fit_sqlite(tmp_path: Path) -> None:
    big = (
        f'name = "Big"\n[[recommendations]]\nnumber = 1\ntitle = "R"\n'
        f'[[recommendations.initiatives]]\nnumber = {2**64}\ntitle = "Huge"\n'
    ).encode()
    async with (
        await Database.open(tmp_path / "db.sqlite3") as db,
        simcord.run(PriorityBot(db, sync_commands_on_start=True)) as env,
    ):
        guild = env.create_guild("G")
        lobby = guild.create_text_channel("lobby")
        organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
        organiser = guild.add_member(env.create_user("olga"), roles=[organisers])
        result = await organiser.slash(lobby, "event create", name="Big", file=("big.toml", big))
        assert "big.toml" in content_of(result), content_of(result)
