"""Browser fixtures: Debian's chromium driven by Playwright's sync API against pytest-django's live server.

One chromium per test module (each test gets a fresh context: no cookies carried over). Playwright's own
browser download is not used (offices and CI are offline): CI installs the `chromium` package.
"""
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = Path(os.environ.get("NPL_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}

# Records Content-Security-Policy violations the page itself reports (an inline <script> or style=
# refused), whatever the console says about them.
_WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__nplCspViolation(`${e.violatedDirective} ${e.blockedURI || "inline"} ${e.sourceFile || ""}:${e.lineNumber}`);
});
"""


def _snap_stub(path: Path) -> bool:
    """Ubuntu's chromium package is a small script that runs the snap, which Playwright cannot drive."""
    real = path.resolve()
    if str(real).startswith("/snap/"):
        return True
    return real.is_file() and real.stat().st_size < 65536 and b"/snap/bin/" in real.read_bytes()


@pytest.fixture(scope="module")
def browser():
    """A headless chromium for this module's tests; skipped only when there is no real chromium binary."""
    if not CHROMIUM.exists() or _snap_stub(CHROMIUM):
        reason = (f"{CHROMIUM} is not a real chromium binary: install Debian's chromium package (.ci/run does; on Ubuntu "
                  "the package is a snap stub: see scripts/system-packages.sh) to run the browser tests")
        if os.environ.get("NPL_BROWSER_REQUIRED"):  # set by .ci/run: in CI a skip would hide a missing browser
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps its asyncio loop marked as running in this thread between calls, and
    # Django then refuses every ORM call made here (fixtures, flushes) as if it came from async code. The
    # tests are synchronous and the live server answers from its own thread (no loop there), so the guard
    # protects nothing here: lift it only while the browser is open, and put it back afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, live_server):
    """open_page(phone=False) → a page in a fresh context whose `.problems` lists console errors and CSP violations.

    `page.goto(path)` takes a path on the live server ("/loans/").
    """
    contexts = []

    def make(*, phone: bool = False):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        problems = SimpleNamespace(console=[], csp=[])
        context.expose_function("__nplCspViolation", lambda text: problems.csp.append(text))
        context.add_init_script(_WATCH_CSP)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda msg: problems.console.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: problems.console.append(f"pageerror: {exc}"))
        page.problems = problems
        return page

    yield make
    for context in contexts:
        context.close()

