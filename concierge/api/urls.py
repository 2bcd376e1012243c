from django.urls import path
from rest_framework.routers import SimpleRouter

from concierge.accounts import api as accounts
from concierge.api import (
    attachment_views,
    audit_views,
    notification_views,
    privacy_views,
    task_views,
    vault_document_views,
    vault_views,
    views,
)

router = SimpleRouter()
router.register("clients", views.ClientViewSet, basename="client")
router.register("tasks", task_views.TaskViewSet, basename="task")
router.register("notifications", notification_views.NotificationViewSet, basename="notification")
router.register("vault", vault_views.VaultItemViewSet, basename="vault")
router.register("audit-log", audit_views.AuditLogViewSet, basename="audit-log")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", accounts.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/sessions/", accounts.SessionListView.as_view(), name="auth-sessions"),
    path("auth/sessions/<int:pk>/", accounts.SessionDetailView.as_view(), name="auth-session"),
    path("auth/verify-email/", accounts.VerifyEmailView.as_view(), name="auth-verify-email"),
    path(
        "auth/verify-email/resend/",
        accounts.VerifyEmailResendView.as_view(),
        name="auth-verify-email-resend",
    ),
    path("auth/password-reset/", accounts.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm/",
        accounts.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/mfa/totp/", accounts.TotpView.as_view(), name="auth-mfa-totp"),
    path(
        "auth/mfa/totp/confirm/", accounts.TotpConfirmView.as_view(), name="auth-mfa-totp-confirm"
    ),
    path(
        "auth/mfa/recovery-codes/",
        accounts.RecoveryCodesView.as_view(),
        name="auth-mfa-recovery-codes",
    ),
    path("auth/reauthenticate/", accounts.ReauthenticateView.as_view(), name="auth-reauthenticate"),
    path("auth/email-change/", accounts.EmailChangeView.as_view(), name="auth-email-change"),
    path("me/", views.MeView.as_view(), name="me"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("me/export/", privacy_views.ExportView.as_view(), name="me-export"),
    path("me/erase/", privacy_views.EraseView.as_view(), name="me-erase"),
    path(
        "tasks/<int:task_id>/attachments/",
        attachment_views.TaskAttachmentsView.as_view(),
        name="task-attachments",
    ),
    path(
        "attachments/<int:pk>/", attachment_views.AttachmentDetailView.as_view(), name="attachment"
    ),
    path(
        "attachments/<int:pk>/download/",
        attachment_views.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
    path(
        "attachments/<int:pk>/preview/",
        attachment_views.AttachmentPreviewView.as_view(),
        name="attachment-preview",
    ),
    path(
        "vault/<int:pk>/document/",
        vault_document_views.VaultDocumentView.as_view(),
        name="vault-document",
    ),
    path(
        "vault/<int:pk>/document/reveal/",
        vault_document_views.VaultDocumentRevealView.as_view(),
        name="vault-document-reveal",
    ),
    *router.urls,
]
