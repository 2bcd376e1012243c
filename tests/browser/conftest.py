"""Browser tests: a real Chromium (Debian's `chromium`) driven by Playwright against
pytest-django's live server.

One browser per session; a fresh context (cookies, storage) per test. Every page a test
opens is checked: no request leaves the loopback address, no console error (a
Content-Security-Policy violation is one), and axe-core
finds no serious or critical accessibility violation. Screenshots of the main pages, at a
desktop and a phone size, go to var/screenshots/ (ignored by git).

Without a Chromium the tests skip, saying so — except under CI (CI=true), where a missing
browser is a failure: .ci/run installs one.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django's ORM used by the test
# itself (fixtures, assertions) must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pytest_collection_modifyitems(config, items):
    if chromium_path() or os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return
    skip = pytest.mark.skip(
        reason="no Chromium found (install Debian's `chromium` or set CHROMIUM_PATH)"
    )
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail("CI needs a Chromium for the browser tests; .ci/run installs Debian's.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


class Visit:
    """A browser tab with the checks every page must pass."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        # Every Content-Security-Policy violation is a console error too, with what was
        # refused (Chromium also logs its own line).
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => console.error("
            "'CSP violation: ' + e.effectiveDirective + ' refused ' + e.blockedURI + ' at '"
            " + e.sourceFile + ':' + e.lineNumber + ' ' + location.pathname))"
        )

    def go(self, path):
        self.page.goto(self.base_url + path)
        return self.page

    def check_accessible(self):
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"axe-core on {self.page.url}: {bad}"

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size
        self.page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
        self.page.set_viewport_size(PHONE)
        self.page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
        self.page.set_viewport_size(size)

    def page_check(self, name=None):
        """axe-core on the page as it is now, and its screenshots when named."""
        self.check_accessible()
        if name:
            self.screenshot(name)

    def assert_clean(self):
        outside = [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and urlsplit(url).hostname not in LOOPBACK
        ]
        assert outside == [], f"requests left the loopback address: {outside}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture
def visit(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = Visit(page, live_server.url)
    yield tab
    context.close()
    tab.assert_clean()
