from django.urls import include, path

from billing.web import client_views, manager_views, views

urlpatterns = [
    path("app/invoices/", views.invoice_list, name="invoice-list"),
    path("app/invoices/<int:pk>/", views.invoice_detail, name="invoice-detail"),
    path(
        "app/invoices/<int:pk>/mark-paid/",
        manager_views.invoice_mark_paid,
        name="invoice-mark-paid",
    ),
    path("app/billing/", manager_views.billing, name="billing"),
    path("app/billing/close/", manager_views.billing_close, name="billing-close"),
    path("app/clients/", manager_views.clients, name="clients"),
    path("app/clients/<int:pk>/", client_views.client_detail, name="client-detail"),
    path("app/plan/", views.plan_page, name="plan"),
    path("app/plan/subscribe/", views.plan_subscribe, name="plan-subscribe"),
    path("app/plan/change/", views.plan_change, name="plan-change"),
    path("app/plan/cancel/", views.plan_cancel, name="plan-cancel"),
    path("app/plan/packs/", views.pack_buy, name="pack-buy"),
    path("app/plan/card/", views.card_set, name="card-set"),
    path("app/plan/billing-details/", views.billing_details_save, name="billing-details"),
    path("", include("billing.web.report_urls")),
]
