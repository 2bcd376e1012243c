from django.urls import include, path
from rest_framework.routers import SimpleRouter

from billing.api import views

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("packs", views.PackViewSet, basename="pack")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("credit-notes", views.CreditNoteViewSet, basename="credit-note")

urlpatterns = [
    path("subscription/", views.SubscriptionView.as_view(), name="subscription"),
    path(
        "subscription/change/", views.SubscriptionChangeView.as_view(), name="subscription-change"
    ),
    path(
        "subscription/cancel/", views.SubscriptionCancelView.as_view(), name="subscription-cancel"
    ),
    path(
        "clients/<int:pk>/subscription/",
        views.ClientSubscriptionView.as_view(),
        name="client-subscription",
    ),
    path("usage/", views.UsageView.as_view(), name="usage"),
    path("payment-method/", views.PaymentMethodView.as_view(), name="payment-method"),
    path(
        "payment-method/setup-intent/",
        views.SetupIntentView.as_view(),
        name="payment-method-setup-intent",
    ),
    path("billing/seller/", views.SellerView.as_view(), name="billing-seller"),
    path("me/billing-details/", views.BillingDetailsView.as_view(), name="billing-details"),
    path(
        "clients/<int:pk>/billing-details/",
        views.ClientBillingDetailsView.as_view(),
        name="client-billing-details",
    ),
    path("billing/close-period/", views.ClosePeriodView.as_view(), name="billing-close-period"),
    path("", include("billing.api.report_urls")),
    *router.urls,
]
