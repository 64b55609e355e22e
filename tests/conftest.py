"""Fixtures shared by the test suite: real servers, a real Chromium, a running dashboard.

Tests that need a server or a browser skip when it is missing on a developer's machine,
and fail instead when CI=true: CI must run them all.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("OKR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "tests" / "screenshots"


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        skip_or_fail(f"Chromium not found at {CHROMIUM}; apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        yield launched
        launched.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class Dashboard:
    """A running `streamlit run dashboard.py` on a free port."""

    def __init__(self, url: str, process: subprocess.Popen, log: Path):
        self.url = url
        self.process = process
        self.log = log

    def page_url(self, path: str = "") -> str:
        return f"{self.url}/{path.lstrip('/')}"


def start_dashboard(catalog: Path, log_dir: Path, env: dict | None = None) -> Dashboard:
    port = free_port()
    log = log_dir / f"streamlit-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "OKR_CATALOG": str(catalog), **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return Dashboard(url, process, log)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the dashboard did not start within 60 s:\n{log.read_text()}")


def stop_dashboard(dashboard: Dashboard) -> None:
    dashboard.process.terminate()
    try:
        dashboard.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        dashboard.process.kill()


@pytest.fixture
def dashboard_factory(tmp_path) -> Iterator:
    """Call with a catalog path (and extra environment) to get a running Dashboard."""
    started: list[Dashboard] = []

    def start(catalog: Path, env: dict | None = None) -> Dashboard:
        dashboard = start_dashboard(catalog, tmp_path, env)
        started.append(dashboard)
        return dashboard

    yield start
    for dashboard in started:
        stop_dashboard(dashboard)


@pytest.fixture
def as_of(monkeypatch) -> None:
    """The dashboard judges at the scenario's date (tests/scenario.py), not today."""
    from tests.scenario import AS_OF

    monkeypatch.setenv("OKR_AS_OF", AS_OF.isoformat())


@pytest.fixture
def scenario(tmp_path, monkeypatch, as_of) -> Path:
    """The hand-computed scenario, synced, as the dashboard's catalog."""
    from tests.scenario import synced_scenario

    catalog = synced_scenario(tmp_path)
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    return catalog
