"""`advocate preview` as a translator uses it: the page in a real browser (Debian's chromium,
headless, through chromedriver), a .po file edited and saved, the page showing the new text; a
paragraph clicked shows its message; a broken template shows its file and line; loopback only."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _helpers import DATE, set_languages
from babel.messages.pofile import read_po

from generator.core.locales import po_path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)), reason="needs Debian's chromium and chromium-driver (make setup)"
)
MSGID = "We urge your Government to halt all forced returns and to grant UNHCR access to those detained."
UPDATE_SECONDS = 20  # an update slower than this fails (the report gives the measured median)


def _translate(ws: Path, text: str) -> int:
    """Set MSGID's German translation by editing the .po file as a text editor would; its line."""
    path = po_path(ws, "de")
    with path.open("rb") as handle:
        line = read_po(handle)[MSGID].lineno
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i in range(line - 1, len(lines)) if lines[i].startswith("msgstr"))
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    lines[start:end] = [f'msgstr "{text}"']
    path.write_text("\n".join(lines), encoding="utf-8")
    return line


@pytest.fixture
def german(workspace: Path, run) -> Path:  # type: ignore[no-untyped-def]
    set_languages(workspace, "all")
    assert run("-w", workspace, "i18n", "init", "de")[0] == 0
    return workspace


@pytest.fixture
def server(german: Path) -> Iterator[str]:
    """`advocate preview` running on a free loopback port: its URL."""
    args = ["-w", str(german), "preview", "example", "--to", "cn-mfa", "--lang", "de", "--date", DATE, "--port", "0"]
    process = subprocess.Popen(
        [sys.executable, "-c", "from generator.cli import main; main()", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, f"no URL: {line!r} {process.stderr.read() if process.stderr and process.poll() is not None else ''}"
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"):
        options.add_argument(flag)
    options.add_argument("--no-first-run")
    options.add_argument("--window-size=1200,800")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


LOADED = "return +document.body.dataset.version >= %d && [...document.images].every(i => i.complete && i.naturalWidth > 0)"


def _wait_version(browser: Any, version: int, timeout: float = UPDATE_SECONDS) -> None:
    """Until the page shows render `version` (or a later one) with every page image drawn."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout, poll_frequency=0.02).until(lambda b: b.execute_script(LOADED % version))


def _version(browser: Any) -> int:
    return int(browser.execute_script("return +document.body.dataset.version"))


def _click_message(browser: Any, msgid: str) -> str:
    """Click the first paragraph whose message is `msgid`; the message panel's text."""
    from selenium.webdriver.common.by import By

    index = browser.execute_script("return state.messages.findIndex(m => m.msgid === arguments[0])", msgid)
    assert index >= 0, "the paragraph is marked with its message"
    browser.find_element(By.CSS_SELECTOR, f'.mark[data-msg="{index}"]').click()
    return str(browser.find_element(By.ID, "message").text)


def test_editing_the_catalogue_updates_the_page(german: Path, server: str, browser: Any) -> None:
    browser.get(server)
    _wait_version(browser, 1)
    problems = browser.find_element("id", "problems").text
    assert f"untranslated: '{MSGID}'" in problems and re.search(r"locales/de/LC_MESSAGES/messages\.po:\d+", problems)
    browser.execute_script("window.scrollTo(0, 300)")
    times = []
    for n in range(1, 11):
        text = f"Wir fordern Ihre Regierung auf, alle Rückführungen zu beenden ({n})."
        version = _version(browser)
        start = time.perf_counter()
        line = _translate(german, text)
        _wait_version(browser, version + 1)
        times.append(time.perf_counter() - start)
        panel = _click_message(browser, MSGID)
        assert text in panel and MSGID in panel and f"messages.po:{line}" in panel
        assert browser.execute_script("return window.scrollY") == 300, "the scroll position is kept"
    assert "untranslated: 'We urge" not in browser.find_element("id", "problems").text
    listed = ", ".join(f"{t:.2f}" for t in times)
    print(f"\nedit-to-updated-preview: median {statistics.median(times):.2f} s of {len(times)} edits ({listed})")


def test_a_broken_template_shows_its_file_and_line(german: Path, server: str, browser: Any) -> None:
    browser.get(server)
    _wait_version(browser, 1)
    pages = browser.execute_script("return state.pages.length")
    template = german / "letters" / "example" / "letter.html.j2"
    template.write_text(template.read_text() + "{% if %}\n", encoding="utf-8")
    _wait_version(browser, 2)
    problems = browser.find_element("id", "problems").text
    assert re.search(r"letters/example/letter\.html\.j2:\d+", problems) and "error" in problems
    assert browser.execute_script("return state.pages.length") == pages, "the last good pages stay"


def test_the_preview_listens_on_loopback_only(german: Path, run) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("-w", german, "preview", "example", "--to", "cn-mfa", "--lang", "de", "--host", "0.0.0.0")
    assert code == 3 and "loopback only" in err and "Traceback" not in err


def test_the_server_serves_nothing_but_the_preview(server: str) -> None:
    import urllib.error
    import urllib.request

    for path in ("etc/passwd", "../advocate.toml", "page/1/0.png/../../../advocate.toml", "letters/example/letter.yaml"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server + path, timeout=10)
        caught.value.close()
        assert caught.value.code == 404
    request = urllib.request.Request(server + "state", headers={"Host": "attacker.example"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    caught.value.close()
    assert caught.value.code == 400, "a request naming another host (DNS rebinding) is refused"


def test_chromium_is_debians(browser: Any) -> None:
    assert shutil.which("chromium") == CHROMIUM and browser.capabilities["browserName"] in ("chrome", "chromium")
