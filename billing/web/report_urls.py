from django.urls import path

from billing.web import report_views

urlpatterns = [
    path("app/reports/", report_views.reports, name="reports"),
]
