from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from billing.webhooks import VerifiedWebhookView
from concierge.api.throttles import admin_login
from concierge.api.views import healthz
from concierge.web.views import set_language

api_v1 = [
    path("", include("concierge.api.urls")),
    path("", include("assistants.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("calendar_sync.api.urls")),
]

# The web portal: each app's `web/` room, under one namespace ("portal:task-detail").
portal = [
    path("", include("concierge.web.urls")),
    path("", include("assistants.web.urls")),
    path("", include("billing.web.urls")),
    path("", include("calendar_sync.web.urls")),
]

urlpatterns = [
    # The admin signs in through the portal's door (throttled, with the second factor).
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's script from a URL (no inline script); its page styles itself inline.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="docs",
    ),
    # Signature checked before dj-stripe stores anything (billing.webhooks).
    path("stripe/webhook/<uuid:uuid>/", VerifiedWebhookView.as_view(), name="stripe-webhook"),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    path("calendar/", include("calendar_sync.urls")),
    # The footer's switch: Django's set_language, which also saves a signed-in person's choice.
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include((portal, "portal"))),
]

handler400 = "concierge.api.fallbacks.bad_request"
handler403 = "concierge.api.fallbacks.forbidden"
handler404 = "concierge.api.fallbacks.not_found"
handler500 = "concierge.api.fallbacks.server_error"
