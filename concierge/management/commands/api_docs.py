"""`manage.py api_docs`: write `docs/api-reference.md`, the endpoint and field reference,
from the OpenAPI schema (the same one `/api/schema/` serves), so that it cannot drift
from the code. `make docs` runs it; a test fails when the committed file is stale.
`--check` exits non-zero instead of writing when the file differs."""

from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

OUTPUT = Path(settings.BASE_DIR) / "docs" / "api-reference.md"
# Bounds at or beyond this are a column's range, which differs between SQLite and
# PostgreSQL, rather than a rule of the API: the reference leaves them out.
COLUMN_LIMIT = 2**31 - 1
METHODS = ("get", "post", "put", "patch", "delete")
HEADER = """\
# API reference

<!-- Generated from the OpenAPI schema by `make docs` (manage.py api_docs): do not edit. -->

Every endpoint and field, generated from the OpenAPI schema that the server also serves at
`/api/schema/` (browsable at `/api/docs/`). The conventions — authentication, errors and
their codes, statuses, time zones, money, pagination — and the billing rules are explained
in [the API guide](api.md).
"""


def _anchor(name: str) -> str:
    return name.lower()


def _one_line(text: str) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _type(schema: dict) -> str:
    """A short, readable type: `integer`, `string (date-time)`, `list of [Plan](#plan)`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    for combiner in ("allOf", "oneOf", "anyOf"):
        if combiner in schema:
            parts = [_type(s) for s in schema[combiner] if s.get("type") != "null"]
            text = " or ".join(p for p in parts if p)
            return f"{text}, or null" if schema.get("nullable") else text
    kind = schema.get("type", "any")
    if kind == "array":
        text = f"list of {_type(schema.get('items', {}))}"
    elif "enum" in schema:
        values = [v for v in schema["enum"] if v not in (None, "")]
        text = "one of " + ", ".join(f"`{v}`" for v in values)
    elif kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        text = "object" if extra is True else f"object of {_type(extra)}"
    else:
        # An integer's width (int32/int64) depends on the database engine, not the API.
        shown = "format" in schema and kind != "integer"
        text = f"{kind} ({schema['format']})" if shown else kind
    if schema.get("nullable"):
        text += ", or null"
    return text


def _body_schema(content: dict) -> dict | None:
    for media in ("application/json", *content):
        if media in content:
            return content[media].get("schema")
    return None


def _operation(path: str, method: str, op: dict) -> list[str]:
    lines = [f"### {method.upper()} `{path}`", ""]
    if op.get("description"):
        lines += [op["description"].strip(), ""]
    if op.get("security") == [{}]:
        lines += ["No authentication.", ""]
    params = op.get("parameters", [])
    if params:
        lines += ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
        for p in params:
            lines.append(
                f"| `{p['name']}` | {p['in']} | {_type(p.get('schema', {}))} | "
                f"{'yes' if p.get('required') else 'no'} | {_one_line(p.get('description', ''))} |"
            )
        lines.append("")
    body = op.get("requestBody")
    if body:
        schema = _body_schema(body.get("content", {}))
        if schema:
            required = " (required)" if body.get("required") else ""
            lines += [f"Request body{required}: {_type(schema)}", ""]
    lines.append("Responses:")
    lines.append("")
    for status, response in op.get("responses", {}).items():
        schema = _body_schema(response.get("content", {}))
        text = _type(schema) if schema else "no body"
        description = _one_line(response.get("description", ""))
        lines.append(f"- {status}: {text}" + (f" — {description}" if description else ""))
    lines.append("")
    return lines


def _component(name: str, schema: dict) -> list[str]:
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [_one_line(schema["description"]), ""]
    properties = schema.get("properties")
    if not properties:
        lines += [f"{_type(schema)}", ""]
        return lines
    # Input schemas (drf-spectacular names them `...Request`) say what must be sent and
    # its bounds; in answers, every field listed is present.
    is_input = name.endswith("Request")
    required = set(schema.get("required", []))
    lines += ["| field | type | notes |", "|---|---|---|"]
    for field, spec in properties.items():
        notes = []
        if spec.get("writeOnly"):
            notes.append("write-only")
        if is_input and field in required:
            notes.append("required")
        bounds = (("minimum", "min"), ("maximum", "max"), ("maxLength", "max length"))
        for bound, word in bounds if is_input else ():
            if bound in spec and abs(spec[bound]) < COLUMN_LIMIT:
                notes.append(f"{word} {spec[bound]}")
        if spec.get("description"):
            notes.append(_one_line(spec["description"]))
        lines.append(f"| `{field}` | {_type(spec)} | {'; '.join(notes)} |")
    lines.append("")
    return lines


ERROR_MODULES = ("concierge.errors", "assistants.errors", "billing.errors", "calendar_sync.errors")


def error_codes() -> dict[str, list[str]]:
    """Every stable error code, with the apps that raise it: the `Code` enum of each app's
    `errors.py`, and the codes the exception handler gives DRF's own errors."""
    from concierge.api.errors import _CODES

    found: dict[str, set[str]] = {}
    for code in _CODES.values():
        found.setdefault(code, set()).add("api")
    for name in ERROR_MODULES:
        module = import_module(name)
        for code in module.Code:
            found.setdefault(code, set()).add(name.split(".")[0])
    return {code: sorted(apps) for code, apps in sorted(found.items())}


def render(schema: dict) -> str:
    lines = [HEADER, "## Endpoints", ""]
    index = ["| method | path |", "|---|---|"]
    sections: list[str] = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                index.append(f"| {method.upper()} | `{path}` |")
                sections += _operation(path, method, item[method])
    lines += [*index, "", *sections, "## Schemas", ""]
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        lines += _component(name, component)
    lines += [
        "## Error codes",
        "",
        'Every `code` an error can carry (`{"code", "detail", "fields"}`), with where '
        "it is defined; what each status means is in [the API guide](api.md#errors).",
        "",
        "| code | defined in |",
        "|---|---|",
    ]
    lines += [f"| `{code}` | {', '.join(apps)} |" for code, apps in error_codes().items()]
    return "\n".join(lines).rstrip() + "\n"


def generate() -> str:
    """The reference, in English whatever language is active (help texts are translated)."""
    with translation.override("en"):
        return render(SchemaGenerator().get_schema(request=None, public=True))


class Command(BaseCommand):
    help = "Write docs/api-reference.md from the OpenAPI schema (--check: fail if stale)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail instead of writing")

    def handle(self, *args, check, **options):
        text = generate()
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if check:
            if current != text:
                raise CommandError(f"{OUTPUT.name} is stale: run `make docs`.")
            self.stdout.write(f"{OUTPUT.name} is up to date.")
            return
        OUTPUT.parent.mkdir(exist_ok=True)
        OUTPUT.write_text(text)
        self.stdout.write(f"Wrote {OUTPUT.relative_to(settings.BASE_DIR)}.")
