"""Fixtures for the viewer tests: real services, Debian's Chromium driven by Playwright,
and screenshots kept as test artifacts (``tests/artifacts/``, git-ignored).

Chromium and fonts-liberation are installed on first use (``apt-get install -y chromium
fonts-liberation``, with one ``apt-get update`` if needed) when missing; Playwright (a
dev dependency) only drives Chromium and never downloads a browser of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fixtures import (  # noqa: F401
    SERVICE_TIMEOUT,
    mosquitto,
    unique_topic,
)
from tests.support.fixtures import pytest_collection_modifyitems as _service_timeouts
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS

CHROMIUM_PACKAGE = "chromium"
FONT = "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"
FONT_PACKAGE = "fonts-liberation"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: generous: the first run may install Chromium; later waits are for live updates
WAIT_MS = 30_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Service tests and browser tests get a timeout that covers a first install."""
    _service_timeouts(items)
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"page", "browser"} and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SERVICE_TIMEOUT))


def _apt_install(*packages: str) -> None:
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium, installed with apt-get when missing (with Liberation Sans, the
    font the editor's "Helvetica Neue", Arial resolve to on Linux and that the viewer's
    label widths are measured in; Chromium does not depend on it)."""
    missing = [
        package
        for package, path in ((CHROMIUM_PACKAGE, CHROMIUM), (FONT_PACKAGE, FONT))
        if not os.path.exists(path)
    ]
    if missing:
        if shutil.which("apt-get") is None:
            pytest.fail(f"{', '.join(missing)} missing and apt-get is not available")
        _apt_install(*missing)
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} still missing after apt-get install"
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a setup problem, said plainly
        pytest.fail("playwright is not installed: it belongs to the [dev] extra of pyproject.toml")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page (1400×800); its console errors fail the test; a screenshot of it is
    saved as ``tests/artifacts/<test>.png`` at the end."""
    context = browser.new_context(viewport={"width": 1400, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield pg
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    finally:
        context.close()
    assert not errors, f"errors in the page: {errors}"
