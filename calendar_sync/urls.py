"""Public calendar feed URLs (not under /api/v1)."""

from django.urls import path

from calendar_sync import views

urlpatterns = [
    path("<str:token>.ics", views.feed, name="calendar-feed"),
]
