from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_manager_group(sender, using, **kwargs):
    """Once per migrate, after the last app's permissions are created."""
    from django.apps import apps

    if sender is list(apps.get_app_configs())[-1]:
        from concierge.services import manager_group_sync

        manager_group_sync(using=using)


def _starting_categories(sender, using, **kwargs):
    """A fresh (or flushed) database gets the starting category vocabulary."""
    if sender.name == "concierge":
        from concierge.categories import ensure_starting

        ensure_starting(using=using)


def _history_views(sender, using, **kwargs):
    """The histories' views over the audit log, where the database lacks them (a database
    built from the models, as the test suite's is, has no migration to make them)."""
    if sender.name == "concierge":
        from concierge.platform.history import ensure_views

        ensure_views(using=using)


class ConciergeConfig(AppConfig):
    name = "concierge"
    verbose_name = "Concierge"
    # What the managers group may do in the admin. Each app lists its own models' under
    # the same attribute; `manager_group_sync` gathers them after every migrate. Vault
    # secrets and their audit stay out of it: managers read reveals through the API.
    manager_permissions = [
        *("add_user", "change_user", "view_user"),
        *("add_clientprofile", "change_clientprofile", "view_clientprofile"),
        *("add_task", "change_task", "view_task"),
        *("view_taskevent", "view_message", "add_message"),
        *("view_notification", "view_outboxjob", "change_outboxjob"),
        *("add_category", "change_category", "view_category"),  # retire, never delete
    ]

    def ready(self):
        from django.core import checks

        from concierge.hooks import check_extension_points
        from concierge.platform.crypto import check_keys

        checks.register(check_keys)
        checks.register(check_extension_points)

        from concierge.web import attachment_views, panels

        panels.register()
        attachment_views.register()

        from concierge import hooks
        from concierge.attachments import privacy as attachment_privacy

        hooks.register_export_section("attachments", attachment_privacy.export_attachments)
        hooks.register_export_section("vault_documents", attachment_privacy.export_vault_documents)
        hooks.register_erasure_step(attachment_privacy.erase)

        from concierge.attachments import signals as attachment_signals

        attachment_signals.connect()
        # After every app's permissions exist (their own post_migrate receivers run first:
        # this app is listed after django.contrib.auth).
        post_migrate.connect(_sync_manager_group, dispatch_uid="concierge.manager_group")
        post_migrate.connect(_starting_categories, dispatch_uid="concierge.categories")
        post_migrate.connect(_history_views, dispatch_uid="concierge.history_views")

        from django_q.signals import post_execute_in_worker, pre_execute

        from concierge.audit import job_finished, job_started

        pre_execute.connect(job_started, dispatch_uid="concierge.audit.job_started")
        post_execute_in_worker.connect(job_finished, dispatch_uid="concierge.audit.job_finished")
