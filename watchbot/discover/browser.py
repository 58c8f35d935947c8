"""Index pages read in a headless browser, for sites behind a JavaScript challenge (option `browser: true`).

Debian's chromium, driven through chromium-driver by Selenium (all installed by `scripts/setup --browser`),
opens each index page of the source's host and waits until the page no longer looks like a challenge (the
fetcher's own detection) and has loaded; its HTML goes to the crawler's usual parsing. The cookies the
challenge set and the browser's user agent are handed to the fetcher's session, so that the PDFs of that
host, fetched later without the browser, come with them. Pages of other hosts and form submissions go
through the fetcher as usual. One browser per source crawl, with a fresh profile, always quit; it resolves
no host but those of the configured sources, and reaches none but their origins (scheme, host and port): every
other request, loopback included, goes to a proxy that does not exist.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from watchbot.core.urls import host_of, normalize_url
from watchbot.fetch import (
    CHALLENGE_BYTES,
    ChallengeError,
    Fetcher,
    FetchError,
    HtmlPage,
    TimeUp,
    challenge_in,
    too_late,
)
from watchbot.fetch.guard import Origin

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGE_DEADLINE_SECONDS = 60.0  # one page: loading, passing the challenge, loading the page it leads to
NOWHERE = "http://127.0.0.1:9"  # the discard port, closed: a request sent there fails
HOW_TO = "run scripts/setup --browser (it installs Debian's chromium and chromium-driver, and Selenium)"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage")


def missing() -> str | None:
    """What the browser lacks on this machine, or None when it can run."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed"
    absent = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    return f"{' and '.join(absent)} not found" if absent else None


class BrowserMissing(FetchError):
    """The optional browser is not installed: the source is skipped, not failed."""


@contextmanager
def pages(fetcher: Fetcher, index_url: str, enabled: bool) -> Iterator[Fetcher | BrowserPages]:
    """What a crawl reads its pages with: the fetcher, or with `enabled` a headless browser for the index
    URL's host; FetchError saying how to install the browser when it is missing."""
    if not enabled:
        yield fetcher
        return
    lacking = missing()
    if lacking:
        raise BrowserMissing(index_url, f"this source is read in a headless browser (option browser: true), but "
                                    f"{lacking}: {HOW_TO}")
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="watchbot-chromium-", ignore_cleanup_errors=True) as profile:
        options = webdriver.ChromeOptions()
        for flag in (*FLAGS, f"--user-data-dir={profile}", _only(fetcher.guard.hosts),
                     *_direct_only(fetcher.guard.origins)):
            options.add_argument(flag)
        options.binary_location = str(CHROMIUM)
        try:
            driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        except WebDriverException as error:
            raise FetchError(index_url, f"the headless browser did not start: {_first_line(error)}",
                             passing=True) from None
        try:
            yield BrowserPages(driver, fetcher, host_of(index_url))
        finally:
            driver.quit()


class BrowserPages:
    """`html` of the source's host through the browser, the rest through the fetcher (see Walk)."""

    def __init__(self, driver, fetcher: Fetcher, host: str):
        self.driver = driver
        self.fetcher = fetcher
        self.host = host

    def form(self, url: str, method: str, fields: dict[str, str]) -> HtmlPage:
        return self.fetcher.form(url, method, fields)  # with the cookies the browser handed over

    def html(self, url: str) -> HtmlPage:
        url = normalize_url(url)
        if host_of(url) != self.host:
            return self.fetcher.html(url)
        self.fetcher.guard.check(url, url)
        seconds, bounded = self._time_for(url)
        from selenium.common.exceptions import TimeoutException, WebDriverException

        self.fetcher.pace(url)  # paced and counted with the other requests to its platform
        end = time.monotonic() + seconds
        try:
            self.driver.set_page_load_timeout(seconds)
            self.driver.get(url)
            self._wait(end)
            page = HtmlPage(self.driver.current_url, self.driver.page_source)
        except TimeoutException:
            raise self._late(url, seconds, bounded) from None
        except WebDriverException as error:
            raise FetchError(url, f"the headless browser failed: {_first_line(error)}", passing=True) from None
        if not self.fetcher.guard.allows(page.url):
            raise FetchError(url, f"refused: the page led the browser to {page.url}, not to a configured source")
        if len(page.text) > self.fetcher.settings.max_html_bytes:
            raise FetchError(url, f"page too large: more than {self.fetcher.settings.max_html_bytes} characters")
        self._hand_over()
        return page

    def _time_for(self, url: str) -> tuple[float, bool]:
        """The page's time, and whether the source's or run's deadline is what bounds it."""
        if self.fetcher.until is None:
            return PAGE_DEADLINE_SECONDS, False
        left, what = self.fetcher.until[0] - time.monotonic(), self.fetcher.until[1]
        if left <= 0:
            raise TimeUp(url, f"not fetched: {what} has passed")
        return min(left, PAGE_DEADLINE_SECONDS), left < PAGE_DEADLINE_SECONDS

    def _wait(self, end: float) -> None:
        """Until the page has loaded and is no longer a challenge (whose script sets a cookie and reloads)."""
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, max(0.0, end - time.monotonic()), poll_frequency=0.2).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete"
            and not _challenge(driver.page_source))

    def _late(self, url: str, seconds: float, bounded: bool) -> FetchError:
        try:
            kind = _challenge(self.driver.page_source)
        except Exception:  # the browser may not answer any more: the time-out says enough
            kind = None
        if kind:
            return NotPassed(url, kind, seconds)
        return too_late(url, f"too slow: the page did not load within {seconds:g} s in the headless browser",
                        bounded)

    def _hand_over(self) -> None:
        """The browser's cookies and user agent go to the fetcher, for this host's PDFs."""
        for cookie in self.driver.get_cookies():
            self.fetcher.session.cookies.set(cookie["name"], cookie["value"], domain=cookie.get("domain", self.host),
                                             path=cookie.get("path", "/"), secure=cookie.get("secure", False),
                                             expires=cookie.get("expiry"))
        user_agent = self.driver.execute_script("return navigator.userAgent")
        self.fetcher.host_headers[self.host] = {"User-Agent": user_agent}


class NotPassed(ChallengeError):
    """The challenge was still there when the page's time was up."""

    def __init__(self, url: str, kind: str, seconds: float):
        super().__init__(url, kind, f"{kind} not passed within {seconds:g} s in the headless browser")


def _only(hosts) -> str:
    """The flag that keeps the browser from resolving any other host: no tracker, no third-party page."""
    return "--host-resolver-rules=" + ", ".join(["MAP * ~NOTFOUND", *(f"EXCLUDE {host}" for host in sorted(hosts))])


def _direct_only(origins: frozenset[Origin]) -> tuple[str, str]:
    """The flags that send every request to a closed proxy but those to the configured origins: host-resolver
    rules cannot tell ports apart, and skip addresses (<-loopback> keeps 127.0.0.1 from bypassing the proxy)."""
    bypass = [f"{origin.scheme}://{f'[{origin.host}]' if ':' in origin.host else origin.host}:{origin.port}"
              for origin in sorted(origins)]
    return f"--proxy-server={NOWHERE}", "--proxy-bypass-list=" + ";".join(["<-loopback>", *bypass])


def _challenge(html: str) -> str | None:
    return challenge_in(html[:CHALLENGE_BYTES].encode("utf-8", "replace"))


def _first_line(error: Exception) -> str:
    text = getattr(error, "msg", None) or str(error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
