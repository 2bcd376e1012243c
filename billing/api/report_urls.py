from django.urls import path

from billing.api import report_views

urlpatterns = [
    path("reports/time/", report_views.TimeReportView.as_view(), name="report-time"),
    path("reports/quality/", report_views.QualityReportView.as_view(), name="report-quality"),
]
