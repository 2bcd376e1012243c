"""The repository documents itself: the generated API reference is current, and every
relative link in README.md and docs/*.md reaches a file (and heading) that exists."""

import re
from pathlib import Path

import pytest

from concierge.management.commands import api_docs
from tests.peers import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and <target> autolinks; images too. Code spans and blocks are skipped.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")


def _prose(text: str) -> str:
    return CODE.sub("", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", title)))
    return found


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(path.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target} (no such file)")
        elif not destination.is_relative_to(ROOT):
            broken.append(f"{target} (outside the repository)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target} (no such heading)")
    return broken


def test_the_documents_exist():
    names = {p.relative_to(ROOT).as_posix() for p in DOCUMENTS}
    assert {"README.md", "docs/api.md", "docs/api-reference.md"} <= names


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_reaches_something_in_the_repository(path):
    assert broken_links(path) == []


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_document_sends_readers_outside_the_repository(path):
    assert "shared/design" not in path.read_text()


def test_the_link_check_catches_what_it_should(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_docs.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# A heading\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/there.md) [ok](docs/there.md#a-heading) [web](https://example.test/x)\n"
        "[gone](docs/missing.md) [bad anchor](docs/there.md#nowhere) [out](../outside.md)\n"
        "`[in code](nowhere.md)`\n```\n[in a block](nowhere.md)\n```\n"
    )
    (tmp_path.parent / "outside.md").write_text("# elsewhere\n")
    assert broken_links(page) == [
        "docs/missing.md (no such file)",
        "docs/there.md#nowhere (no such heading)",
        "../outside.md (outside the repository)",
    ]


@pytest.mark.django_db
def test_the_api_reference_is_generated_from_the_current_schema():
    current = (ROOT / "docs" / "api-reference.md").read_text()
    assert current == api_docs.generate(), "docs/api-reference.md is stale: run `make docs`"


def test_the_api_reference_covers_every_path_and_error_code():
    text = (ROOT / "docs" / "api-reference.md").read_text()
    for path in ("/api/v1/packs/offers/", "/api/v1/tasks/{id}/assign/", "/api/v1/usage/"):
        assert f"`{path}`" in text
    for code in ("overlapping_entry", "unknown_pack", "not_authenticated", "invalid_transition"):
        assert f"| `{code}` |" in text
