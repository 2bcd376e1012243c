"""Template context every portal page gets: the navigation for the viewer's role and the
time zone times are shown in."""

from django.urls import reverse
from django.utils import timezone

from concierge.web.registry import nav_for


def portal(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    nav = []
    for item in nav_for(user):
        url = reverse(f"portal:{item.url_name}")
        current = request.path == url or (url != "/app/" and request.path.startswith(url))
        nav.append({"label": item.label, "url": url, "current": current})
    return {"portal_nav": nav, "viewer_zone": timezone.get_current_timezone_name()}
