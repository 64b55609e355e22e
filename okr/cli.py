"""The `okr` command line: validate, lint, sync, status, demo, serve.

The catalog is the argument CATALOG, else $OKR_CATALOG, else ./metrics.yml.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from okr import __version__

EXIT_OK, EXIT_PROBLEMS = 0, 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted; the store is as it was before this command", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okr",
        description="Key results fed by real numbers: sync metrics, judge key results, serve the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"okr {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, run, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=run)
        return sub

    def catalog_argument(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "catalog",
            nargs="?",
            metavar="CATALOG",
            help="the catalog file (default: $OKR_CATALOG, else ./metrics.yml)",
        )

    catalog_argument(
        command(
            "validate", run_validate, "check the catalog; print every problem as FILE:LINE: message"
        )
    )
    catalog_argument(
        command(
            "lint", run_lint, "key-result quality warnings (task-like KRs, missing baselines, ...)"
        )
    )
    sync = command("sync", run_sync, "pull every (or the named) source into the store")
    catalog_argument(sync)
    sync.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="sync only this source (repeatable)",
    )
    sync.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    status = command("status", run_status, "the status of every objective and key result")
    catalog_argument(status)
    status.add_argument(
        "--as-of", type=_iso_date, metavar="DATE", help="judge at DATE (default: today)"
    )
    status.add_argument("--json", action="store_true", help="print one JSON object")
    demo = command(
        "demo", run_demo, "write a self-contained demo: catalog, CSV exports, SQLite warehouse"
    )
    demo.add_argument(
        "directory", nargs="?", default=".", metavar="DIR", help="where to write it (default: .)"
    )
    serve = command("serve", run_serve, "start the dashboard on port 8501")
    catalog_argument(serve)
    serve.add_argument("--port", type=int, default=8501)
    return parser


def catalog_path(args: argparse.Namespace) -> Path:
    return Path(args.catalog or os.environ.get("OKR_CATALOG") or "metrics.yml")


def load_or_report(args: argparse.Namespace):
    """The valid catalog, or None after printing its problems to stderr."""
    from okr.catalog import read_catalog

    catalog, problems = read_catalog(catalog_path(args))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {catalog_path(args)}; "
            f"fix them, then run this again",
            file=sys.stderr,
        )
        return None
    return catalog


def run_validate(args: argparse.Namespace) -> int:
    from okr.catalog import read_catalog

    path = catalog_path(args)
    catalog, problems = read_catalog(path)
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_PROBLEMS
    count = len(catalog.key_results())
    print(
        f"{path}: valid — {len(catalog.sources)} sources, {len(catalog.metrics)} metrics, "
        f"{len(catalog.objectives)} objectives, {count} key results"
    )
    return EXIT_OK


def run_lint(args: argparse.Namespace) -> int:
    from okr.lint import lint

    catalog = load_or_report(args)
    if catalog is None:
        return EXIT_PROBLEMS
    warnings = lint(catalog, date.today())
    for warning in warnings:
        print(warning)
    print(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}", file=sys.stderr)
    return EXIT_OK


def run_sync(args: argparse.Namespace) -> int:
    from okr.sync import UnknownSource, sync

    catalog = load_or_report(args)
    if catalog is None:
        return EXIT_PROBLEMS
    progress = None if args.quiet else _progress_printer()
    try:
        records = sync(catalog, args.source or None, progress=progress)
    except UnknownSource as error:
        print(f"okr sync: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    if progress is not None:
        progress.done()
    for record in records:
        if record.ok:
            quarantined = (
                f", {_plural(record.quarantined, 'row')} quarantined" if record.quarantined else ""
            )
            print(
                f"{record.source}: ok — {record.rows_read:,} rows read, {record.parts:,} parts "
                f"stored{quarantined} ({record.seconds:.1f}s)"
                + (f" [{record.notes}]" if record.notes else "")
            )
        else:
            print(f"{record.source}: FAILED — {record.error}")
    failed = [r for r in records if not r.ok]
    quarantined = sum(r.quarantined or 0 for r in records)
    if quarantined:
        print(
            f"{_plural(quarantined, 'row')} quarantined: see the Data health page "
            f"for each row and its reason"
        )
    if failed:
        print(f"{len(failed)} of {len(records)} sources failed; their last good values are kept")
    return EXIT_PROBLEMS if failed else EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    from okr.report import evaluate, to_json
    from okr.store import Store

    catalog = load_or_report(args)
    if catalog is None:
        return EXIT_PROBLEMS
    as_of = args.as_of or date.today()
    report = evaluate(catalog, Store(catalog.settings.store), as_of)
    if args.json:
        print(json.dumps(to_json(report), indent=2, ensure_ascii=False))
    else:
        print(render_status_table(report))
    return EXIT_OK


def render_status_table(report) -> str:
    """The status report as a table for people."""
    from okr.formatting import STATUS_LABELS, format_share, format_value

    lines = [f"Status as of {report.as_of.isoformat()}", ""]
    for item in report.objectives:
        o = item.objective
        lines.append(
            f"{o.title}  [{o.id}, {o.cycle_label}]  — {STATUS_LABELS[item.status.status]}, "
            f"progress {format_share(item.status.progress)}"
        )
        rows = [
            (
                "key result",
                "status",
                "current",
                "target",
                "expected",
                "progress",
                "forecast",
                "flags",
            )
        ]
        for kr in item.key_results:
            s, m = kr.status, kr.metric
            flags = [f for f, on in (("drifting", s.drifting), ("stale", s.stale)) if on]
            target = f"{kr.kr.level} " if kr.kr.level else ""
            rows.append(
                (
                    kr.kr.id,
                    STATUS_LABELS[s.status],
                    format_value(s.current, m),
                    target + format_value(kr.kr.target, m),
                    format_value(s.expected, m),
                    format_share(s.progress),
                    format_value(s.forecast.value, m),
                    ", ".join(flags),
                )
            )
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            lines.append(
                "  "
                + "  ".join(
                    str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)
                ).rstrip()
            )
        lines.append("")
    counts = report.counts()
    lines.append(", ".join(f"{n} {STATUS_LABELS[s].lower()}" for s, n in sorted(counts.items())))
    return "\n".join(lines)


def run_demo(args: argparse.Namespace) -> int:
    from okr.demo import write_demo

    catalog = write_demo(Path(args.directory))
    print(f"wrote the demo catalog {catalog} with its CSV exports and SQLite warehouse")
    print(f"next: okr sync {catalog} && okr serve {catalog}")
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    entry = Path(__file__).resolve().parent.parent / "dashboard.py"
    if not entry.exists():
        print(f"okr serve: the dashboard entry point {entry} is missing", file=sys.stderr)
        return EXIT_PROBLEMS
    env = dict(os.environ, OKR_CATALOG=str(catalog_path(args).resolve()))
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(entry),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    print(f"okr dashboard on http://localhost:{args.port} (catalog {env['OKR_CATALOG']})")
    return subprocess.call(command, env=env)


class _progress_printer:
    """Progress on stderr: one updating line on a terminal, plain lines otherwise."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.last = ""

    def __call__(self, message: str, fraction: float | None) -> None:
        percent = "" if fraction is None else f"{fraction * 100:3.0f}% "
        line = f"{percent}{message}"
        if line == self.last:
            return
        self.last = line
        if self.tty:
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty and self.last:
            print(file=sys.stderr)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write YYYY-MM-DD") from error


if __name__ == "__main__":
    sys.exit(main())
