"""What an export is made from: the tally of a scope, per-room tallies and the ballots behind them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.domain.ballots import Ballot
from bot.domain.tally import Tally


@dataclass(frozen=True)
class ExportData:
    event_name: str
    round_names: tuple[str, ...]
    room: str | None  # None: every room of the round(s)
    tally: Tally
    room_tallies: Mapping[str, Tally] = field(default_factory=lambda: MappingProxyType({}))
    # Voters are already pseudonymised (stable per event) unless an organiser asked for ids.
    ballots: tuple[Ballot, ...] = ()
    # The reader's language: titles from the catalogue's translations, and the text meant for
    # people (legends, notes) in wikitext and XLSX. Column names and JSON keys never change.
    language: str = "en"

    @property
    def scope_label(self) -> str:
        rounds = ", ".join(self.round_names) if self.round_names else "all rounds"
        return f"{self.event_name} — {rounds}" + (f" — {self.room}" if self.room else "")
