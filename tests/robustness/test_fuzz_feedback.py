"""Hostile answers in the feedback form: a clear refusal or a correct, masked answer; never a crash,
and a refused page leaves the database as it was."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.access import MemberAccess
from bot.domain.catalogue import Catalogue
from bot.domain.errors import UserError
from bot.domain.feedback import mask_identifiers
from bot.services import feedback as feedback_service
from db.connection import Database
from db.feedback import AttendanceRepository, FeedbackRepository
from db.repositories import Repository

HOSTILE = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=900, max_size=1100),
    st.sampled_from(
        [
            "",
            "   ",
            "'; DROP TABLE feedback_responses; --",
            "<@123456789012345678> @everyone @here <@&42> <#99>",
            "\u202eevil\u202c",
            "\x00\x01\x1b[31m",
            "١٢",  # Arabic-Indic digits
            "0",
            "6",
            "-1",
            "4.5",
            "99999999999999999999999",
            "x" * 4001,
        ]
    ),
)


RATINGS = ["1", "2", "3", "4", "5", " 3 ", "٣", "४"]  # also Arabic-Indic and Devanagari digits


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


async def test_hostile_form_answers(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "fb.sqlite3"
    async with await Database.open(path) as db:
        repo, store, attendance = Repository(db), FeedbackRepository(db), AttendanceRepository(db)
        event = await repo.create_event(5, "GC", catalogue, "builtin")
        await attendance.record(event.id, "77", None, "checkin", [])
        await store.open(event.id, None)
        member = MemberAccess.of([], False)
        outcomes = {"stored": 0, "refused": 0}

        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            liked=HOSTILE,
            missing=HOSTILE,
            active=HOSTILE,
            rating=st.one_of(HOSTILE, st.sampled_from(RATINGS)),
        )
        def cases(liked: str, missing: str, active: str, rating: str) -> None:
            examples.append({"liked": liked, "missing": missing, "active_role": active, "rating": rating})

        examples: list[dict[str, str]] = []
        cases()
        for values in examples:
            before = dump(path)
            try:
                await feedback_service.submit_page(store, attendance, event, 77, member, 0, values)
            except UserError as refusal:
                assert refusal.render()  # a sentence for the member, not a crash
                assert dump(path) == before  # nothing partial stored
                outcomes["refused"] += 1
                continue
            stored = await store.response(event.id, "77")
            assert stored is not None
            assert stored.rating in (1, 2, 3, 4, 5)
            assert stored.answers["liked"] == values["liked"].strip()
            outcomes["stored"] += 1
        assert outcomes["stored"] and outcomes["refused"]


MENTION_LIKE = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here|(?<!\d)\d{17,20}(?!\d)", re.IGNORECASE)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(["<@1>", "<@!22>", "<@&3>", "<#4>", "@everyone", "@HERE", "123456789012345678"]),
        ),
        max_size=10,
    )
)
def test_masking_leaves_no_mention_or_discord_id(parts: list[str]) -> None:
    masked = mask_identifiers("".join(parts))
    assert not MENTION_LIKE.search(masked)
