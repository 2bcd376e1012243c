from django.urls import path

from billing.web import report_views

urlpatterns = [
    path("app/reports/", report_views.reports, name="reports"),
    path("app/reports/pdf/", report_views.reports_pdf, name="reports-pdf"),
]
