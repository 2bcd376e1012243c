"""Assertions shared by the portal's view tests."""

from urllib.parse import quote


def assert_sends_to_sign_in(response, path):
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={quote(path)}"


def assert_page(response, *texts, status=200):
    assert response.status_code == status, response.content[:500]
    body = response.content.decode()
    assert body.lstrip().lower().startswith("<!doctype html>")
    for text in texts:
        assert text in body, text
    return body


def assert_fragment(response, *texts):
    """An htmx answer: the changed part of the page, not a whole document."""
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    for text in texts:
        assert text in body, text
    return body
