"""Run the real bot, unmodified, against the loopback Discord.

    python -m tests.loopback.launch_bot --api http://127.0.0.1:PORT/api/v10 --db PATH [--bot-root DIR]

It does what ``prioritybot --db PATH run`` does (``bot.__main__.main``: settings, logging,
``bot.client.run_bot``), after pointing discord.py at the stub. Two class attributes are changed,
nothing else:

* ``discord.http.Route.BASE``: every REST call (including interaction callbacks and webhooks,
  which use the same Route class) goes to the stub;
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``: discord.py 2.7 does not ask
  ``GET /gateway`` for a plain (unsharded) client; it connects straight to
  ``wss://gateway.discord.gg/``. So the URL is asked of the stub's ``/gateway`` here, and set.

Both must be loopback addresses, or the launcher refuses to start: nothing may reach Discord.

The file is runnable by path too (``python tests/loopback/launch_bot.py``) and imports nothing
from ``tests``, so ``--bot-root`` can run another checkout of the bot (e.g. ``git archive HEAD``)
whose own ``tests`` package has no ``loopback``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_TOKEN = "loopback-token"  # DiscordStub's default; never a real token


def point_discord_py_at(api: str) -> str:
    """Redirect discord.py's REST base and default gateway to the stub; returns the gateway URL."""
    import yarl

    api = api.rstrip("/")
    if yarl.URL(api).host not in LOOPBACK_HOSTS:
        raise SystemExit(f"launch_bot: {api} is not a loopback address; refusing to start")
    with urllib.request.urlopen(f"{api}/gateway", timeout=10) as response:  # the stub's own URL
        gateway = json.load(response)["url"]
    if yarl.URL(gateway).host not in LOOPBACK_HOSTS:
        raise SystemExit(f"launch_bot: gateway {gateway} is not a loopback address; refusing to start")

    import discord.gateway
    import discord.http

    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return gateway


def parse_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--api", required=True, help="the stub's REST base, e.g. http://127.0.0.1:PORT/api/v10"
    )
    parser.add_argument("--db", help="SQLite database file for the bot")
    parser.add_argument("--bot-root", type=Path, help="run the bot from this checkout instead")
    parser.add_argument("--token", default=os.environ.get("LOOPBACK_TOKEN", DEFAULT_TOKEN))
    args = parser.parse_args(argv)
    if not args.api.rstrip("/").endswith("/api/v10"):
        args.api = args.api.rstrip("/") + "/api/v10"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, "Run prioritybot against the loopback Discord.")
    if args.db is None:
        raise SystemExit("launch_bot: --db is required")
    if args.bot_root is not None:
        # Ahead of the editable install's finder (which is on sys.meta_path after PathFinder).
        sys.path.insert(0, str(args.bot_root.resolve()))
    gateway = point_discord_py_at(args.api)
    # A dummy token in this process's environment only: Settings.load reads DISCORD_TOKEN.
    os.environ["DISCORD_TOKEN"] = args.token

    import bot
    from bot.__main__ import main as prioritybot_main

    print(
        f"launch_bot: bot from {Path(bot.__file__).parent}, api {args.api}, gateway {gateway}",
        file=sys.stderr,
    )
    profile_path = os.environ.get("LOOPBACK_PROFILE")  # where the bot spends its CPU, for a developer
    profiler = None
    if profile_path:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        return prioritybot_main(["--db", args.db, "run"])
    except KeyboardInterrupt:  # SIGINT is how the driver stops us: asyncio.run has cleaned up
        return 0
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile_path)


if __name__ == "__main__":
    sys.exit(main())
