"""Who may open a portal page: anonymous visitors go to sign-in (and come back), a role
the page is not for gets the 403 page. What they may *see* comes from the selectors."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from concierge.models import Role


def role_required(*roles):
    for role in roles:
        Role(role)  # fail loudly on a typo
    allowed = frozenset(roles) or frozenset(Role.values)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


signed_in = role_required()
clients_only = role_required(Role.CLIENT)
managers_only = role_required(Role.MANAGER)
