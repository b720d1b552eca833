"""Latency and memory of the real bot process answering /ask on the fake Discord (issue 10, Measure).

Indexes the Harborline example corpus with the real default embedder (through the CLI, into a
temporary folder unless ``--data-dir`` names one already indexed), starts ``python -m bot`` against
the fake Discord of ``tests/fake_discord`` with the cooldown off, and sends ``--count`` /ask
interactions one at a time, then ``--count`` with ``--concurrency`` in flight at once. For each
interaction it takes, on the fake's clock (``time.perf_counter`` in this process), the time from
INTERACTION_CREATE leaving the fake's websocket to the deferral (callback type 5) arriving, and to
the answer (the follow-up) arriving. It prints p50 and p95 of both, their ratio between the two
runs, and the bot's resident memory (psutil when installed, else ``VmRSS`` of /proc/PID/status)
after start and after the runs.

    .venv/bin/python scripts/bench_discord.py [--count 200] [--concurrency 4] [--distinct] [--json]

Goals (issue 10): deferral p95 under 100 ms; the answer's p95 with 4 together within 2x the
single-question p95. The bot's CPU time per answer (from /proc) shows whether the machine, rather
than the bot, limits the run with several at once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e_support import DEFERRED_MESSAGE, ingest_examples, interact, start_bot
from fake_discord import FakeDiscord

QUESTIONS = [
    "What did Harborline Market actually say?",
    "Did Harborline say passwords were affected?",
    "When did Harborline find the problem?",
    "What data did Harborline say was exposed?",
    "Who else commented on Harborline?",
    "Did Harborline say card numbers were exposed?",
    "What caused the Harborline exposure?",
    "Did Harborline apologise?",
]
WARM_UP = 4


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MiB."""
    try:
        import psutil
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for process {pid}") from None
    return psutil.Process(pid).memory_info().rss / 2**20


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) ``pid`` has used so far (/proc/PID/stat; Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


#: ``--distinct``: every question is asked once (a number in brackets makes each its own), so none is
#: answered from the knowledge base's answer cache.
DISTINCT = False


def question(index: int) -> str:
    """The ``index``-th question: the eight below in turn, each made unique with ``--distinct``."""
    text = QUESTIONS[index % len(QUESTIONS)]
    return f"{text} [{index}]" if DISTINCT else text


def one(fake: FakeDiscord, index: int) -> tuple[float, float]:
    """Ask one question; return (ms to the deferral, ms to the answer)."""
    payload = fake.slash("ask", {"question": question(index)})
    exchange = interact(fake, payload, timeout=60)
    if exchange.callback.json.get("type") != DEFERRED_MESSAGE or exchange.callback.status != 200:
        raise RuntimeError(f"interaction {index}: callback {exchange.callback}")
    answer = exchange.followup(timeout=120)
    if answer.status != 200:
        raise RuntimeError(f"interaction {index}: follow-up refused: {answer.error}")
    return exchange.deferral_ms, (answer.at - exchange.sent) * 1000


def run(fake: FakeDiscord, pid: int, count: int, concurrency: int, offset: int = 0) -> dict[str, float]:
    """``count`` interactions with ``concurrency`` in flight: p50 and p95 in ms, the wall time, and
    the bot's CPU time per answer."""
    cpu_before = cpu_s(pid)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda i: one(fake, i), range(offset, offset + count)))
    wall = time.perf_counter() - started
    cpu_ms = (cpu_s(pid) - cpu_before) * 1000 / count
    deferrals, answers = [r[0] for r in results], [r[1] for r in results]
    return {"count": count, "concurrency": concurrency, "wall_s": round(wall, 2),
            "deferral_p50_ms": percentile(deferrals, 50), "deferral_p95_ms": percentile(deferrals, 95),
            "answer_p50_ms": percentile(answers, 50), "answer_p95_ms": percentile(answers, 95),
            "answers_per_s": round(count / wall, 1), "bot_cpu_ms_per_answer": round(cpu_ms, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="interactions per run (default 200)")
    parser.add_argument("--concurrency", type=int, default=4, help="in flight at once in the second run")
    parser.add_argument("--data-dir", type=Path, help="an index of the example corpus (default: build one)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--distinct", action="store_true",
                        help="ask every question once (no answer is reused from the answer cache)")
    args = parser.parse_args(argv)
    global DISTINCT
    DISTINCT = args.distinct

    with tempfile.TemporaryDirectory(prefix="bench-discord-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "kb"
        if args.data_dir is None:
            ingest_examples(data_dir)
        with FakeDiscord() as fake:
            bot = start_bot(fake, data_dir, Path(tmp) / "bot.log", DISCORD_COOLDOWN_SECONDS="0",
                            LOG_LEVEL="WARNING")
            try:
                time.sleep(1.0)
                rss_start = rss_mb(bot.proc.pid)
                load_before = os.getloadavg()
                for i in range(WARM_UP):
                    one(fake, i)
                single = run(fake, bot.proc.pid, args.count, 1, offset=WARM_UP)
                together = run(fake, bot.proc.pid, args.count, args.concurrency, offset=WARM_UP + args.count)
                rss_end = rss_mb(bot.proc.pid)
                load_after = os.getloadavg()
            finally:
                status = bot.stop()
    results = {
        "single": single, "together": together,
        "answer_p95_ratio": round(together["answer_p95_ms"] / single["answer_p95_ms"], 2),
        "answer_p50_ratio": round(together["answer_p50_ms"] / single["answer_p50_ms"], 2),
        "rss_after_start_mb": round(rss_start, 1), "rss_after_runs_mb": round(rss_end, 1),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(), "exit_status": status, "distinct_questions": DISTINCT,
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'run':<14}{'deferral p50':>14}{'p95':>8}{'answer p50':>12}{'p95':>8}{'answers/s':>11}"
          f"{'bot CPU/answer':>16}")
    for name, r in (("1 at a time", single), (f"{args.concurrency} at a time", together)):
        print(f"{name:<14}{r['deferral_p50_ms']:>12.1f}ms{r['deferral_p95_ms']:>6.1f}ms"
              f"{r['answer_p50_ms']:>10.1f}ms{r['answer_p95_ms']:>6.1f}ms{r['answers_per_s']:>11}"
              f"{r['bot_cpu_ms_per_answer']:>14.1f}ms")
    print(f"answer p95 {args.concurrency} together / 1 at a time: {results['answer_p95_ratio']}x "
          f"(p50: {results['answer_p50_ratio']}x); goal: within 2x; deferral p95 goal: under 100 ms")
    print(f"bot RSS: {results['rss_after_start_mb']} MiB after start, {results['rss_after_runs_mb']} MiB after "
          f"{2 * args.count + WARM_UP} interactions; load {results['load_before']} -> {results['load_after']} "
          f"on {results['cpus']} CPUs; bot exit status {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
