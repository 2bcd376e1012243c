"""Template context every portal page gets: the navigation for the viewer's role, the
header's panels (an assistant's running timer), the unread notifications and the time zone
times are shown in."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from concierge import selectors
from concierge.web.registry import nav_for, panels_for


def portal(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    nav = []
    for item in nav_for(user):
        url = reverse(f"portal:{item.url_name}")
        current = request.path == url or (url != "/app/" and request.path.startswith(url))
        nav.append({"label": item.label, "url": url, "current": current})
    return {
        "portal_nav": nav,
        # Computed only by a page that shows the header (not by htmx fragments).
        "header_panels": SimpleLazyObject(lambda: panels_for("header", request)),
        # One query, by a page that shows the header.
        "unread_notifications": SimpleLazyObject(lambda: selectors.notification_unread_count(user)),
        "viewer_zone": timezone.get_current_timezone_name(),
    }
