"""Who may open a portal page: anonymous visitors go to sign-in (and come back), a person
the page is not for gets the 403 page. The rule is the apps' policies' (`allowed`), the
same predicate the API's permissions and the services ask; what a person may *see* comes
from the selectors."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from concierge.models import Role, User


def allowed(rule: Callable[[User], bool]):
    """A view decorator admitting the people `rule` admits (a policy's predicate)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_required(*roles: str):
    """For a page whose whole purpose is these roles' (the assistant's day, the team)."""
    chosen = frozenset(Role(role) for role in roles) or frozenset(Role)  # fail on a typo
    return allowed(lambda user: user.role in chosen)


signed_in = role_required()
clients_only = role_required(Role.CLIENT)
managers_only = role_required(Role.MANAGER)
