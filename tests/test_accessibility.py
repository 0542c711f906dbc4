"""Accessibility of exported pages, tested in a real browser: axe-core (WCAG 2.1 A/AA) in Chromium.

Needs Debian's Chromium at /usr/bin/chromium and axe-core in node_modules/ (``bash
.ci/install-browser``; ``make test`` runs it when either is missing). Without them these tests fail
with that command, or skip, saying the check was not run, with ``PERFKIT_SKIP_BROWSER=1``
(tests/conftest.py ``require_browser``); in CI (``CI=true``) a missing browser is always a failure.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from perfkit.present import a11y, export

from conftest import require_browser

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "export"
NAV = [("Quarter index", "index.html"), ("Accessibility statement", "accessibility.html")]


@pytest.fixture(scope="module")
def browser() -> None:
    require_browser("accessibility check")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    """The fixture report (both editions), an index page and the accessibility statement."""
    out = tmp_path_factory.mktemp("site")
    nb = nbformat.read(FIXTURES / "report.ipynb", as_version=4)
    files = {
        "objective-1.html": export.notebook_to_html(nb, title="Objective 1, 2015/16 Q1", site_nav=NAV),
        "board-objective-1.html": export.notebook_to_html(nb, title="Objective 1, 2015/16 Q1", site_nav=NAV, edition="board"),
        "index.html": export.page(
            "Police and Crime Plan performance: 2015/16 Quarter 1",
            '<p class="lede">April to June 2015.</p><h2>Objectives</h2>'
            '<ul class="evidence"><li><a href="objective-1.html">Objective 1: keeping people safe</a></li></ul>'
            '<div class="notice" role="note"><p>Caveat 3 applies this quarter.</p></div>',
            site_nav=NAV,
        ),
        "accessibility.html": export.page(
            "Accessibility statement",
            export.accessibility_statement("the Office of the Police and Crime Commissioner", "info@example.gov.uk"),
            site_nav=NAV,
        ),
    }
    for name, html in files.items():
        (out / name).write_text(html, encoding="utf-8")
    return [out / name for name in files]


BAD_PAGE = (
    '<!DOCTYPE html><html lang="en-GB"><head><title>Bad page</title>'
    '<script src="https://cdn.example.com/require.js"></script></head><body><main><h1>Bad page</h1>'
    '<p style="color:#BBBBBB;background:#FFFFFF">Low-contrast text that nobody can read.</p>'
    '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==">'
    '<div style="width:1500px">A block wider than a phone.</div>'
    '<details><summary>Numbers</summary><p style="content-visibility:hidden">Hidden on paper.</p></details>'
    "</main></body></html>"
)


@pytest.fixture(scope="module")
def results(browser, pages, tmp_path_factory) -> dict[Path, list[dict]]:
    """One browser session over the good pages and a deliberately bad one (WCAG 2.1 A/AA + best practice)."""
    bad = tmp_path_factory.mktemp("bad") / "bad.html"
    bad.write_text(BAD_PAGE, encoding="utf-8")
    return a11y.check_pages([*pages, bad], tags=a11y.WCAG_TAGS + ("best-practice",))


def test_exported_pages_have_no_violations(results, pages):
    """axe-core (WCAG 2.1 A and AA, and best practice: landmarks, one h1, heading order), reflow,
    print, no network request, no local path, no generic alt text."""
    assert set(pages) <= set(results)
    problems = {path: results[path] for path in pages if results[path]}
    assert not problems, "accessibility problems:\n" + a11y.format_issues(problems)


def test_bad_page_is_reported(results):
    """The check can fail: a missing alt, low contrast, a CDN script, a too-wide block and a
    table hidden on paper are all caught."""
    bad = next(path for path in results if path.name == "bad.html")
    ids = {issue["id"] for issue in results[bad]}
    expected = {"image-alt", "color-contrast", "network-request", "external-resource", "script", "reflow",
                "print-overflow", "print-hidden-content"}
    assert expected <= ids, ids


@pytest.mark.parametrize("variable, missing", [("PERFKIT_CHROMIUM", "no browser at"), ("PERFKIT_AXE", "no axe-core at")])
def test_missing_browser_fails_naming_the_install_command(monkeypatch, tmp_path, variable, missing):
    """Chromium or axe-core missing: the check fails with the one command that installs them;
    PERFKIT_SKIP_BROWSER=1 turns it into a skip saying the check was not run; CI always fails."""
    monkeypatch.setenv(variable, str(tmp_path / "nothing-here"))
    ok, reason = a11y.browser_available()
    assert not ok and missing in reason and "bash .ci/install-browser" in reason
    monkeypatch.setenv("CI", "false")
    monkeypatch.delenv("PERFKIT_SKIP_BROWSER", raising=False)
    with pytest.raises(pytest.fail.Exception, match=r"the accessibility check cannot run: .*bash \.ci/install-browser") as failed:
        require_browser("accessibility check")
    assert "PERFKIT_SKIP_BROWSER=1" in str(failed.value)
    monkeypatch.setenv("PERFKIT_SKIP_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception, match=r"the accessibility check was not run \(PERFKIT_SKIP_BROWSER=1\)"):
        require_browser("accessibility check")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the accessibility check"):
        require_browser("accessibility check")
