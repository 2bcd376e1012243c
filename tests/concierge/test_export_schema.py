"""The export's documented shape names every section the apps export."""

from concierge import hooks
from concierge.api.privacy_views import ExportSerializer


def test_every_export_section_is_in_the_export_schema():
    sections = set(hooks.export_sections())
    assert {"time_entries", "invoices", "client_brief", "billing_details"} <= sections
    assert sections - set(ExportSerializer().fields) == set()
