"""Error codes are named once, as members of a `StrEnum` in each app's `errors.py`, and
used by name everywhere — a code spelled as a string at the raise site can drift from the
documented list unnoticed. Checked by reading every module's source with `ast`."""

import ast
import enum
from importlib import import_module
from pathlib import Path

import pytest

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
    "error_body",
}


def _is_text(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def literal_codes(source):
    """(line, code) for each error code written as a string literal: the first argument or
    `code=` of an error type (or of `error_body`), the "code" of a `{"code", "detail"}`
    answer, or a DRF exception's `default_code`."""
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
        elif isinstance(node, ast.Assign) and _is_text(node.value):
            names = [getattr(target, "id", "") for target in node.targets]
            if "default_code" in names:
                found.append((node.value.lineno, node.value.value))
        elif isinstance(node, ast.Dict):
            keys = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if _is_text(k)}
            if "detail" in keys and _is_text(keys.get("code")):
                found.append((keys["code"].lineno, keys["code"].value))
    return found


def test_the_scan_sees_literal_codes():
    source = (
        "raise NotFound('not_found', 'No such task.')\n"
        "raise errors.Conflict(errors.Code.TASK_CLOSED, 'Closed.')\n"
        "raise ValidationError('Bad zone.', code='invalid_timezone')\n"
        "JsonResponse({'code': 'bad_request', 'detail': 'Malformed.'})\n"
        "PLAN = {'code': 'essential', 'name': 'Essential'}\n"
        "body = error_body('throttled', 'Slow down.')\n"
        "class Expired(AuthenticationFailed):\n"
        "    default_code = 'token_expired'\n"
        "class Code(StrEnum):\n"
        "    NOT_FOUND = 'not_found'\n"
    )
    assert sorted(literal_codes(source)) == [
        (1, "not_found"),
        (3, "invalid_timezone"),
        (4, "bad_request"),
        (6, "throttled"),
        (8, "token_expired"),
    ]


def test_no_error_code_is_a_string_literal():
    offences = [
        f"{path.relative_to(ROOT)}:{line} -> {code!r}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, code in literal_codes(path.read_text())
    ]
    assert offences == []


@pytest.mark.parametrize("app", APPS)
def test_each_app_lists_its_codes_as_one_enum(app):
    module = import_module(f"{app}.errors")
    assert issubclass(module.Code, enum.StrEnum)
    # No code beside the enum: every upper-case text of the module is one of its members.
    loose = [
        name
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and not isinstance(value, enum.Enum)
    ]
    assert loose == []
    for code in module.Code:
        assert code.value == code.name.lower(), code
