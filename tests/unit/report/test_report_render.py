"""The page: every text from the data escaped (read back by Python's own HTML parser), nothing
outside the page referenced, the script allowed by its hash, and the same bytes every time."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_tiny import (
    HOSTILE,
    HOSTILE_DETAIL,
    HOSTILE_FILE,
    HOSTILE_ID,
    HOSTILE_QUERY,
    make_tiny,
)

from medground.report import write_report


class _Page(HTMLParser):
    """Every element with its attributes, the text, and the script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, _Page]:
    root = make_tiny(tmp_path_factory.mktemp("tiny"))
    html = write_report(root).read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(html)
    return html, parsed


def test_hostile_text_is_shown_as_text_never_as_markup(page: tuple[str, _Page]) -> None:
    html, parsed = page
    assert "<script>alert" not in html and '"onerror=' not in html and "<img src=x" not in html
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert scripts == [{}]  # only the page's own inline script
    handlers = [(tag, name) for tag, attrs in parsed.tags for name in attrs
                if name.startswith("on")]
    assert handlers == []
    assert "i" not in {tag for tag, _ in parsed.tags}  # the manifest's name "tiny <i>set</i>"
    text = "".join(parsed.text)
    for hostile in (HOSTILE_QUERY, HOSTILE, HOSTILE_DETAIL, HOSTILE_FILE, HOSTILE_ID,
                    "tiny <i>set</i>", "CC-BY <4.0>"):
        assert hostile in text  # shown, literally


def test_nothing_outside_the_page_is_referenced(page: tuple[str, _Page]) -> None:
    html, parsed = page
    refs = [(tag, name, value) for tag, attrs in parsed.tags for name, value in attrs.items()
            if name in ("src", "href", "action", "srcset", "poster")]
    assert refs and all(str(v).startswith(("data:", "#")) for _, _, v in refs)
    images = [attrs["src"] for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) == 6 and all(str(s).startswith("data:image/jpeg;base64,") for s in images)
    assert "url(" not in html and "@import" not in html


def test_the_policy_allows_exactly_the_page_script(page: tuple[str, _Page]) -> None:
    _, parsed = page
    policy = next(str(attrs["content"]) for tag, attrs in parsed.tags
                  if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(parsed.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1]


def test_the_page_states_the_gallery_rule_and_the_filters(page: tuple[str, _Page]) -> None:
    _, parsed = page
    text = " ".join(parsed.text)
    assert "up to 6 samples per filter value" in text and "SHA-256" in text
    filters = sorted(str(attrs["data-filter"]) for tag, attrs in parsed.tags
                     if tag == "select" and "data-filter" in attrs)
    assert filters == ["labels", "modality", "task", "verdict"]
    cards = [attrs for tag, attrs in parsed.tags if tag == "figure"]
    assert sorted(str(c["data-verdict"]) for c in cards) == ["kept"] * 4 + ["rejected"] * 2
    # tokens only in the data attributes the script compares
    assert all(re.fullmatch(r"[mtlr0-9 ]*", str(c[k])) for c in cards
               for k in ("data-modality", "data-task", "data-labels", "data-reason"))


def test_two_renders_are_byte_equal(tmp_path: Path) -> None:
    root = make_tiny(tmp_path / "tiny")
    first = write_report(root, tmp_path / "one.html").read_bytes()
    second = write_report(root, tmp_path / "two.html").read_bytes()
    assert first == second
    assert (root / "report.html").exists() is False  # --out was honoured
