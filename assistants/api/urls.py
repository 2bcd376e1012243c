from django.urls import include, path
from rest_framework.routers import SimpleRouter

from assistants.api import timeoff, views

router = SimpleRouter()
router.register("assistants", views.AssistantViewSet, basename="assistant")
router.register("time-off", timeoff.TimeOffViewSet, basename="time-off")

urlpatterns = [
    *router.urls,
    path("", include("assistants.api.time_urls")),
    path("", include("assistants.api.workload_urls")),
]
