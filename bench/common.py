"""How contenders are measured: each in its own process, timed inside, peak memory outside.

The parent side (`measure`, `call`) uses the standard library only, so the benchmark
driver itself never loads DuckDB or pandas and no contender's memory bleeds into another's.
The child side (`Stopwatch`) times the work alone, after imports and setup.
"""

from __future__ import annotations

import cProfile
import json
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Generated data and each run's workspace; OKR_BENCH_DATA moves them (the tests use a
# temporary folder).
DATA = Path(os.environ.get("OKR_BENCH_DATA") or ROOT / "bench" / "data")
CHILD_TIMEOUT_SECONDS = 900


def workspace() -> Path:
    """This run's own folder for catalogs, stores and profiles, removed when the run ends.

    Generated data is shared between runs; what a run writes as it goes is not, so that two
    runs at once (another session benchmarking a change) never touch each other's stores.
    """
    return DATA / "runs" / str(os.getpid())


class BenchError(Exception):
    """A contender failed or a benchmark could not be prepared; the message says why."""


@dataclass(frozen=True)
class Settings:
    """The sizes and repetitions of one benchmark run (see `bench/run.py --help`)."""

    rows: int  # events in the CSV export
    sql_rows: int  # events in the PostgreSQL table
    seed: int
    repeat: int  # runs per contender; the best time and the median peak are kept
    slow_repeat: int  # runs of the slow contenders (the pandas peer, the PostgreSQL scenario)


@dataclass
class Measurement:
    """Repeated runs of one contender: seconds and peak resident memory of each run."""

    contender: str
    seconds: list[float] = field(default_factory=list)
    # CPU time of the timed work, all threads (None for external commands): less sensitive
    # than wall time to other work on the machine.
    cpu_seconds: list[float | None] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def best_cpu(self) -> float | None:
        known = [s for s in self.cpu_seconds if s is not None]
        return min(known) if known else None

    @property
    def peak_mb(self) -> float:
        return statistics.median(self.peaks_mb)


@dataclass
class Goal:
    """One goal of the issue: what it asks, what was measured, and whether it holds."""

    text: str
    measured: str
    met: bool | None  # None: could not be judged in this run


@dataclass(frozen=True)
class Contender:
    """One contender: `bench.<module>.<function>(**arguments)` in a child, or a command.

    A child function returns a dict with `seconds` and `cpu_seconds` (from a `Stopwatch`)
    and any details; an external command (`argv`) is timed from its start to its exit.
    """

    label: str
    module: str = ""
    function: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    argv: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    repeat: int = 1


@dataclass
class ScenarioResult:
    """What one scenario prints: its contenders (the floor first), goals and notes."""

    key: str
    title: str
    setup: str
    rows: list[Measurement] = field(default_factory=list)
    floor: str | None = None  # the contender every ratio is taken against
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    okr: Contender | None = None  # run again under a profiler when a goal is missed

    def ratio(self, row: Measurement) -> tuple[float | None, float | None]:
        """(time, peak memory) of `row` as multiples of the floor's."""
        floor = next((r for r in self.rows if r.contender == self.floor), None)
        if floor is None:
            return None, None
        return row.best / floor.best, row.peak_mb / floor.peak_mb

    def cpu_ratio(self, row: Measurement) -> float | None:
        """CPU time of `row` as a multiple of the floor's, when both are known."""
        floor = next((r for r in self.rows if r.contender == self.floor), None)
        if floor is None or floor.best_cpu is None or row.best_cpu is None:
            return None
        return row.best_cpu / floor.best_cpu

    def measurement(self, contender: str) -> Measurement:
        return next(r for r in self.rows if r.contender == contender)


# -- parent side --------------------------------------------------------------------------


def shown(path: Path) -> str:
    """A path for progress messages: relative to the repository when it lies inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def say(message: str) -> None:
    """Progress on stderr, so that the table on stdout stays clean."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(*contenders: Contender) -> list[Measurement]:
    """Runs every contender `repeat` times, each run in a new process, round-robin.

    Taking turns (floor, okr, peer, floor, okr...) spreads changes in the machine's load
    over all contenders alike. The details of each contender's last run are kept.
    """
    results = [Measurement(c.label) for c in contenders]
    for attempt in range(max(c.repeat for c in contenders)):
        for contender, result in zip(contenders, results, strict=True):
            if attempt >= contender.repeat:
                continue
            say(f"  {contender.label}: run {attempt + 1} of {contender.repeat}")
            seconds, cpu, peak_mb, details = _measure_once(contender)
            result.seconds.append(seconds)
            result.cpu_seconds.append(cpu)
            result.peaks_mb.append(peak_mb)
            result.details = details
            cpu_text = "" if cpu is None else f" ({cpu:.2f} s of CPU)"
            say(f"    {seconds:.3f} s{cpu_text}, peak {peak_mb:.0f} MB")
    return results


def _measure_once(contender: Contender) -> tuple[float, float | None, float, dict[str, Any]]:
    if contender.argv:
        seconds, peak_mb = _run(list(contender.argv), contender.env, what=contender.label)
        return seconds, None, peak_mb, {}
    with tempfile.TemporaryDirectory(prefix="okr-bench-") as scratch:
        out = Path(scratch) / "result.json"
        argv = [sys.executable, "-m", "bench.child", contender.module, contender.function]
        argv += [json.dumps(contender.arguments, default=str), str(out)]
        what = f"{contender.label} ({contender.module}.{contender.function})"
        _, peak_mb = _run(argv, contender.env, what=what)
        details = json.loads(out.read_text())
    return details.pop("seconds"), details.pop("cpu_seconds"), peak_mb, details


def call(module: str, function: str, *, env: dict[str, str] | None = None, **arguments: Any):
    """Runs `bench.<module>.<function>(**arguments)` in a new process; returns its result."""
    with tempfile.TemporaryDirectory(prefix="okr-bench-") as scratch:
        out = Path(scratch) / "result.json"
        argv = [sys.executable, "-m", "bench.child", module, function]
        argv += [json.dumps(arguments, default=str), str(out)]
        _run(argv, env, what=f"{module}.{function}")
        return json.loads(out.read_text())


def _run(argv: list[str], env: dict[str, str] | None, *, what: str) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one process, read from its own rusage by wait4.

    The process's output is kept aside and shown only if it fails.
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        pid = os.posix_spawn(
            argv[0] if os.path.isabs(argv[0]) else _which(argv[0]),
            argv,
            {**os.environ, **(env or {})},
            file_actions=[
                (os.POSIX_SPAWN_DUP2, errors.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, errors.fileno(), 2),
            ],
        )
        deadline = started + CHILD_TIMEOUT_SECONDS
        while True:
            waited, status, usage = os.wait4(pid, os.WNOHANG)
            if waited:
                break
            if time.perf_counter() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.wait4(pid, 0)
                raise BenchError(f"{what} ran longer than {CHILD_TIMEOUT_SECONDS} s; stopped it")
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip().splitlines()[-15:]
            raise BenchError(f"{what} exited with {code}:\n    " + "\n    ".join(tail))
    # Linux reports ru_maxrss in KiB.
    return seconds, usage.ru_maxrss / 1024


def _which(program: str) -> str:
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder) / program
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BenchError(f"{program} is not installed or not on PATH; install it to run this step")


# -- child side ---------------------------------------------------------------------------


class Stopwatch:
    """Times the block it wraps; notes the process's resident memory before it started.

    With OKR_BENCH_PROFILE=FILE in the environment the block also runs under cProfile and
    the statistics are saved to FILE: the profile covers the timed work and nothing else.
    """

    def __enter__(self) -> Stopwatch:
        self.rss_before_mb = resident_peak_mb()
        self.profile_to = os.environ.get("OKR_BENCH_PROFILE")
        self.profiler = cProfile.Profile() if self.profile_to else None
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        if self.profiler:
            self.profiler.enable()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.profiler:
            self.profiler.disable()
        self.seconds = time.perf_counter() - self.started
        self.cpu_seconds = time.process_time() - self.cpu_started
        if self.profiler:
            self.profiler.dump_stats(self.profile_to)

    def result(self, **details: Any) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "rss_before_mb": round(self.rss_before_mb, 1),
            **details,
        }


def resident_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
