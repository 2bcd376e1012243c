from django.apps import AppConfig
from django.db.models.signals import pre_migrate


def _create_btree_gist(sender, using, **kwargs):
    """The no-overlap exclusion constraint needs btree_gist.

    The migration creates the extension; this also covers databases built straight from
    the models (the test suite runs with --nomigrations).
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")


class AssistantsConfig(AppConfig):
    name = "assistants"
    verbose_name = "Assistants"
    # What the managers group may do in the admin (concierge.services.manager_group_sync).
    manager_permissions = [
        *("add_assistantprofile", "change_assistantprofile", "view_assistantprofile"),
        *("add_timeoff", "change_timeoff", "delete_timeoff", "view_timeoff"),
        *("change_timeentry", "view_timeentry"),  # entries are a pay record: never deleted
        "view_timeentryevent",
    ]

    def ready(self):
        pre_migrate.connect(_create_btree_gist, sender=self)

        from assistants import policies
        from concierge.policies import register_user_rules

        register_user_rules(policies.USER_RULES)

        from assistants.assignment import choose_assignee
        from assistants.handover import reschedule_hand_over
        from concierge.hooks import register_reschedule_watcher, set_assignment_policy

        set_assignment_policy(choose_assignee)

        from assistants.selectors import task_logged_duration
        from concierge.hooks import set_logged_duration_source

        set_logged_duration_source(task_logged_duration)

        from assistants.workload_selectors import tasks_at_risk
        from concierge.hooks import set_at_risk_rule

        set_at_risk_rule(tasks_at_risk)
        register_reschedule_watcher(reschedule_hand_over)

        from assistants.services.rollups import time_rollup_task_regrouped
        from concierge.hooks import register_regroup_watcher

        register_regroup_watcher(time_rollup_task_regrouped)

        from assistants import privacy
        from concierge import hooks

        hooks.register_export_section("time_entries", privacy.export_time_entries)
        hooks.register_export_section("assistant_profile", privacy.export_assistant_profile)
        hooks.register_erasure_step(privacy.erase)

        from assistants import briefs

        hooks.register_export_section("client_brief", briefs.export_brief)
        hooks.register_erasure_step(briefs.erase_brief)

        from assistants.web import panels

        panels.register()
