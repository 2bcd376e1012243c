from django.urls import path
from rest_framework.routers import SimpleRouter

from concierge.api import notification_views, privacy_views, task_views, vault_views, views

router = SimpleRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("tasks", task_views.TaskViewSet, basename="task")
router.register("notifications", notification_views.NotificationViewSet, basename="notification")
router.register("vault", vault_views.VaultItemViewSet, basename="vault")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("me/export/", privacy_views.ExportView.as_view(), name="me-export"),
    path("me/erase/", privacy_views.EraseView.as_view(), name="me-erase"),
    *router.urls,
]
