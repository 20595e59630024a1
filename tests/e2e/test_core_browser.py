"""A real browser (Debian's chromium through Playwright) signs in and sees the dashboard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, "DEFPACT_DATA_DIR": str(tmp_path / "var")}
    env.pop("DEFPACT_DATABASE_URL", None)
    cli = [sys.executable, "-m", "defpact"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_sign_in_and_see_dashboard(served: str, chromium_path: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        page.goto(f"{served}/")
        assert page.url.endswith("/login")
        page.fill("input[name=username]", "hr.admin")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{served}/")
        assert page.locator("h1").first.inner_text() == "Dashboard"
        rows = page.locator("tr.member-row").all_inner_texts()
        assert len(rows) == 3 and any("Croatia" in r for r in rows)
        assert "CONFIDENTIAL" in page.content()
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        browser.close()
