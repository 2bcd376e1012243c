from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _task_changed(sender, instance, **kwargs):
    """The push is recorded in the task's own transaction (the job outbox), so it is
    neither lost when the process dies right after COMMIT nor sent for a rolled-back
    change; several saves in one transaction queue one push."""
    from calendar_sync.jobs import queue_task_push

    queue_task_push(instance.pk, [instance.client_id, instance.assignee_id])


class CalendarSyncConfig(AppConfig):
    name = "calendar_sync"
    verbose_name = "Calendar sync"
    # What the managers group may do in the admin (concierge.services.manager_group_sync).
    # Linked CalDAV accounts hold a user's password: not the managers' to read.
    manager_permissions = [
        *("view_calendarfeed", "delete_calendarfeed"),
        *("view_icssubscription", "delete_icssubscription", "view_busyinterval"),
    ]

    def ready(self):
        from calendar_sync import policies
        from concierge.models import Task
        from concierge.policies import register_user_rules

        register_user_rules(policies.USER_RULES)

        post_save.connect(_task_changed, sender=Task, dispatch_uid="calendar_sync.task_saved")
        post_delete.connect(_task_changed, sender=Task, dispatch_uid="calendar_sync.task_deleted")

        from calendar_sync import privacy
        from concierge import hooks

        hooks.register_export_section("calendar", privacy.export_calendar)
        hooks.register_erasure_step(privacy.erase)

        from calendar_sync.web import panels

        panels.register()
