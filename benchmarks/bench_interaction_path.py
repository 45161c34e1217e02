"""Bursts through the whole interaction path: the real bot process against a loopback Discord.

Run: python benchmarks/bench_interaction_path.py [--voters 1000 2000 5000] [--spread 0 30]
     [--flow modal pick] [--seed 0] [--bot-root DIR] [--no-floor] [--records DIR]

For every (voters, flow, spread): a fresh database, the stub (tests/loopback/discord_stub.py, in
this process) and the unmodified bot as a subprocess (discord.py's own gateway, HTTP and
rate-limit code); the event set up through slash commands; then the burst: every voter at the
same moment (spread 0) or arriving uniformly over the spread. Then the same burst against the
floor (tests/loopback/floor_bot.py: a bare discord.Client answering "ok"), sent the same ballot
payloads, printed under it.

Columns: interactions dispatched (retries included); share answered within Discord's 3 s;
p50/p99 from dispatch until the callback reached the stub; mis-saved, lost and double-counted
ballots (chosen vs shown in the reply vs stored in SQLite); voters who gave up (no confirmation
after 3 tries); late (404 10062) and second (400 40060) callbacks the bot sent; 429s on channel
routes; bot CPU ms per interaction (utime+stime of the bot process over the burst); the bot's
peak RSS (VmHWM); and how long after the burst a fresh probe was answered within 3 s.

The driver shares the machine's 2 cores with the bot; its own CPU per interaction is printed
under the table so a saturated driver is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.loopback.voters import FLOWS, BurstReport, run_burst

HEADER = (
    "| voters | flow | spread s | bot | interactions | within 3 s | p50 ms | p99 ms | mis-saved | lost "
    "| double | gave up | late 10062 | second 40060 | 429s | CPU ms/int | peak RSS MiB | probe s |"
)
RULE = "|" + "|".join("-" * (len(cell) + 1) + ":" for cell in HEADER.strip(" |").split("|")) + "|"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def _num(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def row(report: BurstReport) -> str:
    check = report.check
    flow = report.flow if report.served in (report.flow, "none") else f"{report.flow}→{report.served}"
    probe = "never" if math.isinf(report.probe_seconds) else f"{report.probe_seconds:.2f}"
    cells = [
        f"{report.voters:,}",
        flow,
        f"{report.spread:g}",
        report.bot,
        f"{report.interactions:,}",
        f"{100 * report.within_share:.1f}%",
        _ms(report.p50),
        _ms(report.p99),
        str(check.mis_saved) if check else "-",
        str(check.lost) if check else "-",
        str(check.double_counted) if check else "-",
        str(check.unconfirmed) if check else "-",
        str(report.late_callbacks),
        str(report.second_callbacks),
        str(report.rate_limited),
        _num(report.cpu_ms_per_interaction, 2),
        _num(report.peak_rss_mib, 0),
        probe,
    ]
    return "| " + " | ".join(cells) + " |"


def notes(report: BurstReport) -> list[str]:
    lines = [
        f"  {report.bot} {report.voters} {report.flow} spread {report.spread:g}: burst {report.duration:.1f} s, "
        f"unanswered {report.unanswered}, max {_ms(report.max_latency)} ms, bot CPU {report.bot_cpu_seconds:.1f} s, "
        f"driver CPU {_num(report.driver_cpu_ms_per_interaction, 2)} ms/interaction, "
        f"driver loop lag max {report.driver_max_lag * 1000:.0f} ms"
    ]
    if report.unknown_routes:
        lines.append(f"  unknown routes: {report.unknown_routes}")
    if report.check and report.check.problems:
        lines += [f"  {problem}" for problem in report.check.problems[:5]]
    return lines


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--spread", type=float, nargs="+", default=[0.0, 30.0])
    parser.add_argument("--flow", nargs="+", choices=FLOWS, default=["modal", "pick"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bot-root", type=Path, help="run the bot from another checkout (e.g. git archive)")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor runs")
    parser.add_argument("--records", type=Path, help="write one CSV of interactions per run into this folder")
    parser.add_argument("--keep", action="store_true", help="keep the databases and bot logs")
    args = parser.parse_args()

    rows: list[str] = []
    footnotes: list[str] = []
    print(HEADER)
    print(RULE)
    for voters in args.voters:
        for flow in args.flow:
            for spread in args.spread:
                folder = Path(tempfile.mkdtemp(prefix=f"bench-path-{voters}-{flow}-"))
                try:
                    reports = [
                        await run_burst(
                            folder / "bot.sqlite3",
                            voters,
                            flow,
                            spread,
                            seed=args.seed,
                            bot_root=args.bot_root,
                            log_path=folder / "bot.log",
                        )
                    ]
                    if not args.no_floor:
                        reports.append(
                            await run_burst(
                                None,
                                voters,
                                flow,
                                spread,
                                bot="floor",
                                seed=args.seed,
                                template=reports[0].template,
                                log_path=folder / "floor.log",
                            )
                        )
                finally:
                    if args.keep:
                        print(f"  kept {folder}", file=sys.stderr)
                    else:
                        shutil.rmtree(folder, ignore_errors=True)
                for report in reports:
                    rows.append(row(report))
                    footnotes += notes(report)
                    print(rows[-1], flush=True)
                    if args.records:
                        args.records.mkdir(parents=True, exist_ok=True)
                        name = f"{report.bot}-{voters}-{flow}-{spread:g}.csv"
                        report.write_records_csv(args.records / name)
    print()
    print("\n".join(footnotes))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
