from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from concierge.api.views import healthz

api_v1 = [
    path("", include("concierge.api.urls")),
    path("", include("assistants.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("calendar_sync.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    path("calendar/", include("calendar_sync.urls")),
]

handler404 = "concierge.api.fallbacks.not_found"
handler500 = "concierge.api.fallbacks.server_error"
