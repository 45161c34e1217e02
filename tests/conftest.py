from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.catalogue import Catalogue, load_catalogue
from db.connection import Database
from db.repositories import Repository


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue("builtin:movement-strategy-2020")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def repo(db: Database) -> Repository:
    return Repository(db)
