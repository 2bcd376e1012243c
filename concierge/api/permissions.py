"""Role rules for the API. Scoping (what a role may *see*) lives in the selectors."""

from rest_framework.permissions import BasePermission

from concierge.models import Role


class _HasRole(BasePermission):
    roles: frozenset = frozenset()
    message = "Your role may not do this."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


def roles(*allowed):
    """A permission class admitting only the given roles: `roles(Role.MANAGER)`."""
    for role in allowed:
        Role(role)  # fail loudly on a typo
    return type(
        f"Is{'Or'.join(r.title() for r in allowed)}", (_HasRole,), {"roles": frozenset(allowed)}
    )


IsClient = roles(Role.CLIENT)
IsAssistant = roles(Role.ASSISTANT)
IsManager = roles(Role.MANAGER)
IsStaff = roles(Role.ASSISTANT, Role.MANAGER)
