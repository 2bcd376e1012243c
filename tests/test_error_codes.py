"""Error codes are named once, in each app's `errors.py`, and used by name everywhere
else — a code spelled as a string at the raise site can drift from the documented list
unnoticed. Checked by reading every module's source with `ast`."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("concierge", "assistants", "billing", "calendar_sync")
ERROR_TYPES = {
    "ApplicationError",
    "Invalid",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PaymentRequired",
    "ValidationError",
}


def _is_text(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def literal_codes(source):
    """(line, code) for each error code written as a string literal: the first argument or
    `code=` of an error type, or the "code" of a `{"code", "detail"}` answer."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in ERROR_TYPES:
                continue
            codes = [kw.value for kw in node.keywords if kw.arg == "code"]
            if name != "ValidationError" and node.args:
                codes.append(node.args[0])
            found += [(c.lineno, c.value) for c in codes if _is_text(c)]
        elif isinstance(node, ast.Dict):
            keys = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if _is_text(k)}
            if "detail" in keys and _is_text(keys.get("code")):
                found.append((keys["code"].lineno, keys["code"].value))
    return found


def test_the_scan_sees_literal_codes():
    source = (
        "raise NotFound('not_found', 'No such task.')\n"
        "raise errors.Conflict(errors.TASK_CLOSED, 'Closed.')\n"
        "raise ValidationError('Bad zone.', code='invalid_timezone')\n"
        "JsonResponse({'code': 'bad_request', 'detail': 'Malformed.'})\n"
        "PLAN = {'code': 'essential', 'name': 'Essential'}\n"
    )
    assert sorted(literal_codes(source)) == [
        (1, "not_found"),
        (3, "invalid_timezone"),
        (4, "bad_request"),
    ]


def test_no_error_code_is_a_string_literal_outside_errors_modules():
    offences = [
        f"{path.relative_to(ROOT)}:{line} -> {code!r}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "errors.py"
        for line, code in literal_codes(path.read_text())
    ]
    assert offences == []
