from django.urls import path
from rest_framework.routers import SimpleRouter

from assistants.api import time_views

router = SimpleRouter()
router.register("time-entries", time_views.TimeEntryViewSet, basename="time-entry")

urlpatterns = [
    *router.urls,
    path("timer/", time_views.TimerView.as_view(), name="timer"),
    path("timer/start/", time_views.TimerStartView.as_view(), name="timer-start"),
    path("timer/stop/", time_views.TimerStopView.as_view(), name="timer-stop"),
]
