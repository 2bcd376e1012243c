"""Who may call an endpoint, asked of the apps' policies (`<app>/policies.py`): the same
predicates the services enforce and the portal's pages offer. Scoping (what a person may
*see*) lives in the selectors; whether an object's state allows an action, in the services.
"""

from collections.abc import Callable

from rest_framework.permissions import BasePermission

from concierge.models import Role, User


class _Allowed(BasePermission):
    rule: Callable[[User], bool]
    message = "Your role may not do this."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and type(self).rule(user))


def allowed(rule: Callable[[User], bool], *, name: str = "") -> type[BasePermission]:
    """A permission class admitting the people a policy's predicate admits:
    `allowed(policies.may_read_audit_log)`."""
    name = name or "".join(word.title() for word in rule.__name__.split("_"))
    return type(name, (_Allowed,), {"rule": staticmethod(rule)})


def roles(*allowed_roles: str) -> type[BasePermission]:
    """A permission class admitting only the given roles: `roles(Role.MANAGER)`. For an
    endpoint whose whole purpose is one role's (the manager's team screen); an action with
    a rule of its own asks its policy through `allowed`."""
    chosen = frozenset(Role(role) for role in allowed_roles)  # fail loudly on a typo

    def rule(user: User) -> bool:
        return user.role in chosen

    return allowed(rule, name=f"Is{'Or'.join(r.title() for r in allowed_roles)}")


IsClient = roles(Role.CLIENT)
IsAssistant = roles(Role.ASSISTANT)
IsManager = roles(Role.MANAGER)
IsStaff = roles(Role.ASSISTANT, Role.MANAGER)
