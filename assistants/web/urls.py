from django.urls import path

from assistants.web import brief_views, team_views, views, work_views

urlpatterns = [
    path("app/time/", views.time_ledger, name="time"),
    path("app/brief/", brief_views.own_brief, name="brief"),
    path("app/clients/<int:pk>/brief/", brief_views.client_brief, name="client-brief"),
    path("app/time/<int:pk>/dispute/", views.time_entry_dispute, name="time-dispute"),
    path("app/time/<int:pk>/edit/", work_views.time_entry_edit, name="time-edit"),
    path("app/time/<int:pk>/delete/", work_views.time_entry_delete, name="time-delete"),
    path("app/timer/start/", work_views.timer_start, name="timer-start"),
    path("app/timer/stop/", work_views.timer_stop, name="timer-stop"),
    path("app/tasks/<int:pk>/time/", work_views.log_time, name="log-time"),
    path("app/tasks/<int:pk>/entries/", work_views.task_time_entries, name="task-entries"),
    path("app/disputes/", views.disputes, name="disputes"),
    path("app/disputes/<int:pk>/resolve/", views.dispute_resolve, name="dispute-resolve"),
    path("app/team/", team_views.team_week, name="team"),
    path("app/team/<int:assistant_id>/", team_views.team_member, name="team-member"),
    path("app/team/late/", team_views.team_late, name="team-late"),
    path("app/team/unassigned/", team_views.team_unassigned, name="team-unassigned"),
    path("app/team/tasks/<int:pk>/reassign/", team_views.task_reassign, name="team-reassign"),
    path("app/team/time-off/", team_views.time_off, name="team-time-off"),
]
