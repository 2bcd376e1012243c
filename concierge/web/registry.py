"""What each app adds to the portal: navigation entries and panels on shared pages.

The portal's frame lives in the lowest app (concierge), which may not import the others.
Higher apps register here from their `AppConfig.ready()`: billing adds "Invoices" and the
client's usage gauge to the home page, assistants the time entries on the task page, and
so on. A page asks for its slot's panels and includes each one's template with its
context, so a new screen for a role is one registration away.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from concierge.models import Role

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class NavItem:
    """A link of the header's navigation, shown to the roles named or, given a `rule` (a
    policy's predicate, the one the page's view is decorated with), to whom it admits."""

    label: str
    url_name: str
    roles: frozenset = ALL_ROLES
    order: int = 100
    rule: Callable | None = None

    def shown_to(self, user) -> bool:
        return self.rule(user) if self.rule is not None else user.role in self.roles


@dataclass(frozen=True)
class Panel:
    """A piece of a page: `context(request, **page)` returns the template's `panel`
    variable, or None to leave the panel out."""

    slot: str
    template: str
    context: Callable
    roles: frozenset | None = ALL_ROLES  # None: anyone, signed in or not
    order: int = 100


@dataclass
class _Registry:
    nav: list[NavItem] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)


_registry = _Registry()


def register_nav(
    *, label, url_name: str, roles=ALL_ROLES, rule: Callable | None = None, order: int = 100
) -> None:
    item = NavItem(label, url_name, frozenset(roles), order, rule)
    if item not in _registry.nav:
        _registry.nav.append(item)
        _registry.nav.sort(key=lambda i: i.order)


def register_panel(
    *, slot: str, template: str, context: Callable, roles=ALL_ROLES, order: int = 100
) -> None:
    panel = Panel(slot, template, context, None if roles is None else frozenset(roles), order)
    if panel not in _registry.panels:
        _registry.panels.append(panel)
        _registry.panels.sort(key=lambda p: p.order)


def nav_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in _registry.nav if item.shown_to(user)]


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    context: object


def panels_for(slot: str, request, **page) -> list[RenderedPanel]:
    rendered = []
    role = getattr(request.user, "role", None)
    for panel in _registry.panels:
        if panel.slot != slot or (panel.roles is not None and role not in panel.roles):
            continue
        context = panel.context(request, **page)
        if context is not None:
            rendered.append(RenderedPanel(panel.template, context))
    return rendered
