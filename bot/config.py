"""Typed settings. The token comes only from the environment or a git-ignored .env file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB_PATH = "prioritybot.sqlite3"


class ConfigError(Exception):
    """A setting that is missing or malformed; the message says what to set."""


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (optionally quoted); comments and blank lines ignored."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


@dataclass(frozen=True)
class Settings:
    db_path: Path
    token: str | None
    live_tally_interval: float = 5.0
    log_level: str = "INFO"

    def __repr__(self) -> str:  # never print the token, even by accident
        return f"Settings(db_path={self.db_path!r}, token={'set' if self.token else 'unset'})"

    @classmethod
    def load(cls, db_path: str | None = None, env_file: Path = Path(".env")) -> Settings:
        env = {**read_dotenv(env_file), **os.environ}
        interval_text = env.get("PRIORITYBOT_LIVE_INTERVAL", "5")
        try:
            interval = float(interval_text)
        except ValueError:
            raise ConfigError(
                f"PRIORITYBOT_LIVE_INTERVAL must be a number of seconds, not {interval_text!r}"
            ) from None
        if interval < 1:
            raise ConfigError("PRIORITYBOT_LIVE_INTERVAL must be at least 1 second (Discord rate limits)")
        return cls(
            db_path=Path(db_path or env.get("PRIORITYBOT_DB") or DEFAULT_DB_PATH),
            token=env.get("DISCORD_TOKEN") or None,
            live_tally_interval=interval,
            log_level=env.get("PRIORITYBOT_LOG_LEVEL", "INFO").upper(),
        )
