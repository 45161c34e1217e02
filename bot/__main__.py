"""The `prioritybot` command: run the bot, sync its commands, and the offline organiser tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.domain.errors import UserError
from bot.domain.event import OFFLINE_GUILD_ID
from db.connection import Database
from db.repositories import Repository

log = logging.getLogger("prioritybot")


def build_parser() -> argparse.ArgumentParser:
    from bot.exports import EXPORT_FORMATS
    from bot.i18n import available_languages

    parser = argparse.ArgumentParser(
        prog="prioritybot",
        description="Prioritisation votes for large online events, in Discord and offline.",
    )
    db_help = "SQLite database file (default: $PRIORITYBOT_DB or ./prioritybot.sqlite3)"
    parser.add_argument("--db", help=db_help)
    # --db is accepted after the command too (`prioritybot demo --db FILE`); SUPPRESS keeps a
    # value given before the command when none is given after it.
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_command(name: str, **kwargs: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[db_option], **kwargs)

    add_command("run", help="run the Discord bot (needs DISCORD_TOKEN)")
    sync = add_command("sync", help="register the slash commands with Discord (needs DISCORD_TOKEN)")
    sync.add_argument("--guild", type=int, help="sync to one server only (instant), instead of globally")

    demo = add_command("demo", help="replay the November 2020 Global Conversations offline")
    demo.add_argument(
        "--out", type=Path, default=Path("demo-output"), help="folder for the exports (default: demo-output)"
    )

    importer = add_command("import-ballots", help="import ballots from a CSV file (ballot,room,initiative)")
    importer.add_argument("file", type=Path)
    importer.add_argument("--event", required=True, help="offline event name (created if missing)")
    importer.add_argument("--round", dest="round_name", help="round name (default: Imported)")
    importer.add_argument("--catalogue", help="builtin:movement-strategy-2020 (default) or a TOML file")
    importer.add_argument("--max-picks", type=int, help="the round's pick limit (default: none for imports)")

    export = add_command("export", help="write an event's tally to a file")
    export.add_argument("--event", required=True)
    export.add_argument(
        "--round", dest="rounds", action="append", help="a round (repeat for several; default: all)"
    )
    export.add_argument("--room", help="one breakout room only")
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument(
        "--language",
        default="en",
        choices=available_languages(),
        help="titles and legends in this language (catalogue translations; default: en)",
    )
    export.add_argument("--output", required=True, type=Path)
    export.add_argument(
        "--guild", type=int, default=OFFLINE_GUILD_ID, help="Discord server id (default: offline events)"
    )

    compare = add_command("compare", help="which initiatives changed quartile between two rounds")
    compare.add_argument("--event", required=True)
    compare.add_argument("round_a")
    compare.add_argument("round_b")
    compare.add_argument("--guild", type=int, default=OFFLINE_GUILD_ID)

    backup = add_command("backup", help="a consistent copy of the live database")
    backup.add_argument("--output", required=True, type=Path)

    feedback = add_command("export-feedback", help="write an event's feedback survey answers to a file")
    feedback.add_argument("--event", required=True)
    feedback.add_argument(
        "--guild", type=int, help="Discord server id (default: the one server with an event of that name)"
    )
    feedback.add_argument("--format", required=True, choices=("csv", "xlsx", "json"))
    feedback.add_argument("--output", required=True, type=Path)
    return parser


async def _with_repo(settings: Settings, action: Callable[[Repository], Awaitable[int]]) -> int:
    async with await Database.open(settings.db_path) as db:
        return await action(Repository(db))


def _remove_database_files(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.exports.text import results_table
    from bot.services.demo import run_demo

    db_path = Path(args.db) if args.db else args.out / "demo.sqlite3"
    if not args.db:
        # The default demo database belongs to the demo: start it afresh every time.
        await asyncio.to_thread(_remove_database_files, db_path)

    async def show_demo(repo: Repository) -> int:
        result = await run_demo(repo, args.out)
        print(results_table(result.tally, "Global Conversations, 21-22 November 2020 (replayed)"))
        print()
        print(f"Database: {db_path}")
        for path in result.files:
            print(f"Wrote {path}")
        return 0

    async with await Database.open(db_path) as db:
        return await show_demo(Repository(db))


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.importing import import_ballot_file

    async def action(repo: Repository) -> int:
        result = await import_ballot_file(
            repo, args.file, args.event, args.round_name, args.catalogue, args.max_picks
        )
        print(
            f"Imported {result.new_ballots + result.replaced_ballots} ballots ({result.picks} picks) into "
            f"{result.event.name} / {result.round.name}: {result.new_ballots} new, {result.replaced_ballots} replaced."
        )
        return 0

    return await _with_repo(settings, action)


async def _event(repo: Repository, guild_id: int, name: str):
    event = await repo.event_by_name(guild_id, name)
    if event is None:
        known = ", ".join(await repo.event_names(guild_id)) or "none"
        raise UserError("There is no event called {name}. Known events: {known}.", name=name, known=known)
    return event


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.exports import render_export
    from bot.services.tallies import export_data, resolve_room, resolve_rounds

    async def action(repo: Repository) -> int:
        event = await _event(repo, args.guild, args.event)
        rounds = await resolve_rounds(repo, event, args.rounds)
        room = await resolve_room(repo, event, args.room)
        data = await export_data(repo, event, rounds, room, language=args.language)
        payload = await asyncio.to_thread(render_export, args.format, data)
        try:
            await asyncio.to_thread(args.output.write_bytes, payload)
        except OSError as exc:
            raise UserError(
                "Cannot write {path}: {detail}.", path=str(args.output), detail=exc.strerror
            ) from None
        print(f"Wrote {args.output} ({args.format}, {data.tally.ballot_count} ballots, {data.scope_label})")
        return 0

    return await _with_repo(settings, action)


async def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.tallies import compare_rounds

    async def action(repo: Repository) -> int:
        event = await _event(repo, args.guild, args.event)
        before, after, moves = await compare_rounds(repo, event, args.round_a, args.round_b)
        print(f"{args.round_a}: {before.ballot_count} ballots; {args.round_b}: {after.ballot_count} ballots")
        if not moves:
            print("No initiative changed quartile.")
        for move in moves:
            arrow = "up" if move.direction == "up" else "down"
            print(
                f"{arrow:>4}  {move.initiative.number:>3}. {move.initiative.title}: quartile "
                f"{move.quartile_before} -> {move.quartile_after} ({move.votes_before} -> {move.votes_after} votes)"
            )
        return 0

    return await _with_repo(settings, action)


async def cmd_export_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from bot.exports.feedback_export import render_feedback_export
    from bot.services.feedback import feedback_results
    from db.feedback import AttendanceRepository, FeedbackRepository

    async with await Database.open(settings.db_path) as db:
        repo = Repository(db)
        store = FeedbackRepository(db)
        guild_id = args.guild
        if guild_id is None:
            # Surveys run in Discord servers: find the server unless the name is ambiguous.
            guilds = await store.guilds_with_event(args.event)
            if len(guilds) > 1:
                raise UserError(
                    "Several servers have an event called {name} ({guilds}); choose one with --guild.",
                    name=args.event,
                    guilds=", ".join(str(g) for g in guilds),
                )
            guild_id = guilds[0] if guilds else OFFLINE_GUILD_ID
        event = await _event(repo, guild_id, args.event)
        results = await feedback_results(store, AttendanceRepository(db), event)
    payload = await asyncio.to_thread(render_feedback_export, args.format, results.export)
    try:
        await asyncio.to_thread(args.output.write_bytes, payload)
    except OSError as exc:
        raise UserError(
            "Cannot write {path}: {detail}.", path=str(args.output), detail=exc.strerror
        ) from None
    rate = results.rate
    summary = (
        f"{rate.answered} of {rate.attendees} attendees answered: {rate.percent}%"
        if rate.percent is not None
        else "no attendees recorded"
    )
    print(f"Wrote {args.output} ({args.format}, {results.responses} responses; {summary})")
    return 0


async def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    async with await Database.open(settings.db_path) as db:
        await db.backup_to(args.output)
    print(f"Backed up {settings.db_path} to {args.output}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings, *, sync_only: bool = False) -> int:
    if not settings.token:
        print(
            "prioritybot: set DISCORD_TOKEN (in the environment or a .env file) to run the bot; "
            "`prioritybot demo` works without one.",
            file=sys.stderr,
        )
        return 2
    from bot.client import run_bot

    return run_bot(settings, sync_guild=getattr(args, "guild", None), sync_only=sync_only)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(args.db)
    except ConfigError as exc:
        print(f"prioritybot: {exc}", file=sys.stderr)
        return 2
    if args.command in ("run", "sync"):
        return cmd_run(args, settings, sync_only=args.command == "sync")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handlers = {
        "demo": cmd_demo,
        "import-ballots": cmd_import,
        "export": cmd_export,
        "compare": cmd_compare,
        "backup": cmd_backup,
        "export-feedback": cmd_export_feedback,
    }
    try:
        return asyncio.run(handlers[args.command](args, settings))
    except UserError as exc:
        print(f"prioritybot: {exc.render()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
