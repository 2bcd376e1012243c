from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"
    # What the managers group may do in the admin (concierge.services.manager_group_sync).
    # Invoices are kept as the law requires: read and marked, never deleted.
    manager_permissions = [
        *("add_plan", "change_plan", "view_plan"),
        *("add_subscription", "change_subscription", "view_subscription"),
        *("add_hourpack", "change_hourpack", "view_hourpack"),
        *("change_invoice", "view_invoice", "view_invoiceline", "view_invoicenumbersequence"),
        "view_invoicedentry",
        "view_usagealert",
        *("view_sellerversion", "view_billingdetails"),
        *("view_creditnote", "view_creditnoteline", "view_creditnotenumbersequence"),
        "view_invoicereminder",
    ]

    def ready(self):
        from billing.checks import silence_known_deprecation

        silence_known_deprecation()

        from assistants.hooks import (
            register_billable_room,
            register_billable_time_guard,
            register_billable_time_watcher,
            register_entry_billing,
        )
        from billing.selectors import entry_billing
        from billing.services import (
            billable_room,
            check_plan_or_balance,
            check_spend_cap,
            usage_alerts_on_time,
        )

        register_billable_time_guard(check_plan_or_balance)
        register_billable_time_guard(check_spend_cap)
        register_billable_room(billable_room)
        register_billable_time_watcher(usage_alerts_on_time)
        register_entry_billing(entry_billing)

        from billing import stripe_jobs  # noqa: F401  (signal receivers)
        from billing.guards import require_unpaused_subscription
        from concierge.hooks import register_task_create_guard

        register_task_create_guard(require_unpaused_subscription)

        from billing.notices import queue_invoice_issued, spend_cap_watch
        from billing.signals import invoice_finalised

        register_billable_time_watcher(spend_cap_watch)
        invoice_finalised.connect(queue_invoice_issued, dispatch_uid="billing.invoice_issued")

        from billing.notices import invoice_email_attachments
        from concierge.hooks import register_email_attachments
        from concierge.models import NotificationKind

        register_email_attachments(NotificationKind.INVOICE_ISSUED, invoice_email_attachments)

        from assistants.signals import invoiced_entry_decided
        from billing.credit_notes import on_invoiced_entry_decided

        invoiced_entry_decided.connect(on_invoiced_entry_decided, dispatch_uid="billing.credit")

        from billing import privacy
        from concierge import hooks

        hooks.register_export_section("subscriptions", privacy.export_subscriptions)
        hooks.register_export_section("hour_packs", privacy.export_hour_packs)
        hooks.register_export_section("billing_details", privacy.export_billing_details)
        hooks.register_export_section("invoices", privacy.export_invoices)
        hooks.register_erasure_step(privacy.erase)

        from billing import policies
        from concierge.policies import register_user_rules

        register_user_rules(policies.USER_RULES)

        from billing.web import panels

        panels.register()
