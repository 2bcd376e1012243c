from django.urls import path

from calendar_sync.web import views

urlpatterns = [
    path("app/calendar/", views.calendar_page, name="calendar"),
    path("app/calendar/feeds/", views.feed_create, name="calendar-feed-create"),
    path("app/calendar/feeds/<int:pk>/revoke/", views.feed_revoke, name="calendar-feed-revoke"),
    path("app/calendar/outside/", views.ics_add, name="calendar-ics-add"),
    path("app/calendar/outside/<int:pk>/", views.ics_change, name="calendar-ics-change"),
    path("app/calendar/outside/<int:pk>/remove/", views.ics_remove, name="calendar-ics-remove"),
    path("app/calendar/caldav/", views.caldav_link, name="calendar-caldav"),
    path("app/calendar/caldav/<int:pk>/", views.caldav_change, name="calendar-caldav-change"),
    path(
        "app/calendar/caldav/<int:pk>/unlink/", views.caldav_unlink, name="calendar-caldav-unlink"
    ),
]
