from django.urls import path
from rest_framework.routers import SimpleRouter

from calendar_sync.api import views

router = SimpleRouter()
router.register("calendar/feeds", views.FeedViewSet, basename="calendar-feeds")
router.register(
    "calendar/subscriptions", views.SubscriptionViewSet, basename="calendar-subscriptions"
)
router.register("calendar/caldav-accounts", views.CalDavAccountViewSet, basename="caldav-accounts")

urlpatterns = [
    *router.urls,
    path("availability/", views.AvailabilityView.as_view(), name="availability"),
]
