"""Reusable assertions for the API contract: error shape, and the 401/403/404 matrix that
every endpoint must hold (anonymous, wrong role, another tenant's object)."""


def assert_error(response, status, code):
    """The response is an error of API.md's shape with this status and stable code."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    if code == "invalid":
        assert isinstance(body.get("fields"), dict), body
    return body


def _call(api, method, url, data):
    return getattr(api, method.lower())(url, data=data, format="json")


def assert_requires_auth(anonymous_api, method, url, data=None):
    return assert_error(_call(anonymous_api, method, url, data), 401, "not_authenticated")


def assert_forbidden(api, method, url, data=None):
    return assert_error(_call(api, method, url, data), 403, "permission_denied")


def assert_hidden(api, method, url, data=None):
    return assert_error(_call(api, method, url, data), 404, "not_found")


def assert_access_matrix(*, method, url, anonymous, forbidden=(), hidden=(), data=None):
    """Anonymous → 401; each client of `forbidden` (wrong role) → 403; each of `hidden`
    (another tenant) → 404. The happy path is the caller's own test."""
    assert_requires_auth(anonymous, method, url, data)
    for api in forbidden:
        assert_forbidden(api, method, url, data)
    for api in hidden:
        assert_hidden(api, method, url, data)
