from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _task_changed(sender, instance, **kwargs):
    from calendar_sync.jobs import queue_task_push

    task_id, users = instance.pk, [instance.client_id, instance.assignee_id]
    transaction.on_commit(lambda: queue_task_push(task_id, users))


class CalendarSyncConfig(AppConfig):
    name = "calendar_sync"
    verbose_name = "Calendar sync"

    def ready(self):
        from concierge.models import Task

        post_save.connect(_task_changed, sender=Task, dispatch_uid="calendar_sync.task_saved")
        post_delete.connect(_task_changed, sender=Task, dispatch_uid="calendar_sync.task_deleted")

        from calendar_sync import privacy
        from concierge import hooks

        hooks.register_export_section("calendar", privacy.export_calendar)
        hooks.register_erasure_step(privacy.erase)
