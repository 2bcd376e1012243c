"""Apps depend one way: concierge < assistants < billing, calendar_sync. A lower app never
imports a higher one (it offers a hook in its `hooks.py` instead), and the two top apps
import neither the other — checked here by reading every module's source with `ast`, so
the rule holds without running the code. String references (`apps.get_model("billing",
...)`) count as imports too. Inside concierge, the platform (`concierge.platform`) sits
under the domain: it imports no other concierge module."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HIGHER = {
    "concierge": {"assistants", "billing", "calendar_sync"},
    "assistants": {"billing", "calendar_sync"},
}
# The two top apps are side by side: neither imports, or points a table at, the other.
BESIDE = {
    "billing": {"calendar_sync"},
    "calendar_sync": {"billing"},
}
FORBIDDEN = {app: HIGHER.get(app, set()) | BESIDE.get(app, set()) for app in HIGHER | BESIDE}


# The project's own modules sit in the concierge package but are above every app: the
# root URLconf and settings put all the apps together.
PROJECT_MODULES = {
    "concierge/settings.py",
    "concierge/urls.py",
    "concierge/wsgi.py",
    "concierge/asgi.py",
}


def modules_of(app):
    return sorted(
        p
        for p in (ROOT / app).rglob("*.py")
        if "migrations" not in p.parts and str(p.relative_to(ROOT)) not in PROJECT_MODULES
    )


def higher_references(source, forbidden):
    """(line, what) for each import of, or `get_model` string reference to, an app in
    `forbidden`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"get_model", "get_app_config"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value.split(".")[0]]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in forbidden]
    return found


def test_the_scan_sees_imports_and_string_references():
    source = (
        "import billing.models\n"
        "from calendar_sync import ics\n"
        "from concierge import hooks\n"
        "def f():\n"
        "    from billing.services import x\n"
        "    return apps.get_model('billing', 'Invoice'), apps.get_model('billing.Plan')\n"
    )
    assert sorted(higher_references(source, {"billing", "calendar_sync"})) == [
        (1, "billing.models"),
        (2, "calendar_sync"),
        (5, "billing.services"),
        (6, "billing"),
        (6, "billing"),
    ]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_imports_no_higher_app_nor_the_one_beside_it(app):
    offences = [
        f"{path.relative_to(ROOT)}:{line} -> {name}"
        for path in modules_of(app)
        for line, name in higher_references(path.read_text(), FORBIDDEN[app])
    ]
    assert modules_of(app), f"no modules found for {app}"
    assert offences == []


def platform_references(source):
    """(line, what) for each import of a concierge module outside the platform, relative
    imports included (`from .. import models` inside concierge/platform/ is one)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "concierge":  # `from concierge import x` imports concierge.x
                names = [f"concierge.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names = [f"(relative, level {node.level}) {node.module or ''}"]
        else:
            continue
        found += [
            (node.lineno, n)
            for n in names
            if n.startswith("(relative")
            or (n.split(".")[0] == "concierge" and not n.startswith("concierge.platform"))
        ]
    return found


def test_the_scan_sees_what_the_platform_must_not_import():
    source = (
        "from concierge.platform.models import OutboxJob\n"
        "from concierge.platform import outbox\n"
        "from concierge import models, platform\n"
        "def f():\n"
        "    from concierge.notifications import notify\n"
        "    import concierge.services\n"
    )
    assert platform_references(source) == [
        (3, "concierge.models"),
        (5, "concierge.notifications"),
        (6, "concierge.services"),
    ]


def test_the_platform_imports_nothing_of_the_domain():
    modules = sorted((ROOT / "concierge" / "platform").rglob("*.py"))
    offences = [
        f"{path.relative_to(ROOT)}:{line} -> {name}"
        for path in modules
        for line, name in platform_references(path.read_text())
    ]
    assert len(modules) >= 3, "the platform package was not found"
    assert offences == []


# The same rule for the schema: a lower app's tables point at no higher app's, and its
# migrations depend on none of them, so it migrates (and could ship) without them.


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_has_no_relation_to_a_higher_app_nor_the_one_beside_it(app):
    from django.apps import apps

    offences = [
        f"{model.__name__}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if field.concrete
        and field.is_relation
        and field.related_model._meta.app_label in FORBIDDEN[app]
    ]
    assert offences == []


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_migrates_without_a_higher_app_nor_the_one_beside_it(app):
    from django.db.migrations.loader import MigrationLoader
    from django.test import override_settings

    with override_settings(MIGRATION_MODULES={}):  # the suite itself runs without them
        graph = MigrationLoader(None, ignore_no_migrations=True).graph
    own = [key for key in graph.nodes if key[0] == app]
    offences = [
        f"{name} depends on {parent[0]}.{parent[1]}"
        for key in own
        for name, parent in ((key[1], p.key) for p in graph.node_map[key].parents)
        if parent[0] in FORBIDDEN[app]
    ]
    assert own, f"no migrations found for {app}"
    assert offences == []


def test_the_registry_lists_a_lower_app_before_the_higher_ones():
    """`seed_demo` loads each app's demo data in the registry's order."""
    from django.apps import apps

    order = [config.label for config in apps.get_app_configs()]
    assert all(order.index(low) < order.index(high) for low in HIGHER for high in HIGHER[low])
