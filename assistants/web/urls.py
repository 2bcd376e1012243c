from django.urls import path

from assistants.web import views

urlpatterns = [
    path("app/time/", views.time_ledger, name="time"),
    path("app/time/<int:pk>/dispute/", views.time_entry_dispute, name="time-dispute"),
    path("app/disputes/", views.disputes, name="disputes"),
    path("app/disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute-resolve"),
]
