"""Opening the database: PRAGMAs, migrations and the write-transaction helper.

One writer connection serialises every write behind an asyncio lock (SQLite allows one writer
at a time anyway, and interleaving two transactions on one connection would mix them); a second
connection serves reads, which WAL mode lets run against the last committed state while a write
is in progress.

Every read runs to completion in one hop to aiosqlite's thread (``Reader``). A statement left
open across an ``await`` keeps the shared reader connection inside one read transaction, and
every other coroutine's read on that connection then sees the same, older snapshot: under load
a voter's draft or ballot read back right after the writer committed it came out stale.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Generator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{3})-[\w-]+\.sql$")


def migration_scripts() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every packaged migration, in order."""
    scripts = []
    for entry in resources.files("db.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            scripts.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    scripts.sort()
    versions = [version for version, _, _ in scripts]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, ... without gaps; found {versions}")
    return scripts


class FetchedRows:
    """The rows of a finished query, with the cursor methods our stores use."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows
        self._next = 0

    async def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        row = self._rows[self._next]
        self._next += 1
        return row

    async def fetchall(self) -> list[Any]:
        rest, self._next = self._rows[self._next :], len(self._rows)
        return rest

    def __aiter__(self) -> FetchedRows:
        return self

    async def __anext__(self) -> Any:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def __aenter__(self) -> FetchedRows:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _ReadQuery:
    """``async with reader.execute(...) as rows`` or ``rows = await reader.execute(...)``."""

    def __init__(self, reader: Reader, sql: str, parameters: Iterable[Any]) -> None:
        self._reader = reader
        self._sql = sql
        self._parameters = parameters

    async def _run(self) -> FetchedRows:
        return FetchedRows(await self._reader.execute_fetchall(self._sql, self._parameters))

    def __await__(self) -> Generator[Any, None, FetchedRows]:
        return self._run().__await__()

    async def __aenter__(self) -> FetchedRows:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None


class Reader:
    """The shared read connection; each query is executed and fetched whole in one thread hop,
    so no statement (and no read snapshot) outlives the call that made it."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _ReadQuery:
        return _ReadQuery(self, sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[Any]:
        return list(await self._connection.execute_fetchall(sql, parameters))

    async def backup(self, target: aiosqlite.Connection) -> None:
        await self._connection.backup(target)

    async def close(self) -> None:
        await self._connection.close()


class Database:
    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = Reader(reader)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) and migrate the database file at ``path``."""
        db_path = Path(path)
        if db_path.parent and not db_path.parent.exists():
            db_path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(db_path)
        try:
            await _migrate(writer)
            reader = await _connect(db_path)
        except BaseException:
            await writer.close()
            raise
        return cls(db_path, writer, reader)

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        BEGIN IMMEDIATE takes SQLite's write lock up front, so a transaction never fails halfway
        with SQLITE_BUSY after it has read; the busy timeout covers other processes (a CLI export,
        a backup) holding the lock briefly.
        """
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.rollback()
                raise
            else:
                await self._writer.commit()

    @property
    def reader(self) -> Reader:
        return self._reader

    async def schema_version(self) -> int:
        async with self._reader.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        async with self._reader.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else ""

    async def backup_to(self, target: str | Path) -> None:
        """A consistent copy of the live database through SQLite's online backup API."""
        target_path = Path(target)
        await asyncio.to_thread(target_path.unlink, missing_ok=True)
        destination = await aiosqlite.connect(target_path)
        try:
            await self._reader.backup(destination)
        finally:
            await destination.close()


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so sqlite3 never opens implicit ones.
    connection = await aiosqlite.connect(path, isolation_level=None)
    await connection.execute("PRAGMA journal_mode = WAL")
    await connection.execute("PRAGMA foreign_keys = ON")
    await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # In WAL mode NORMAL is durable against application crashes (what we guard against);
    # only an OS crash or power loss can lose the last transactions.
    await connection.execute("PRAGMA synchronous = NORMAL")
    return connection


async def _migrate(connection: aiosqlite.Connection) -> None:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    scripts = migration_scripts()
    if current > len(scripts):
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this prioritybot "
            f"({len(scripts)}); upgrade prioritybot"
        )
    for version, name, sql in scripts[current:]:
        log.info("applying migration %s", name)
        # executescript would COMMIT first and run outside our transaction; run each statement
        # inside one explicit transaction so a failed migration leaves the old version intact.
        await connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_sql(sql):
                await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            await connection.rollback()
            raise
        await connection.commit()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations hold no triggers or string semicolons)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError("migration ends with an incomplete statement")
    return statements
