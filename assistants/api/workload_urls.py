from django.urls import path

from assistants.api import workload_views

urlpatterns = [
    path("workloads/", workload_views.TeamWorkloadView.as_view(), name="workload-list"),
    path(
        "workloads/<int:assistant_id>/",
        workload_views.AssistantWorkloadView.as_view(),
        name="workload-detail",
    ),
]
