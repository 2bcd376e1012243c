"""Privacy in the portal: download everything the service holds about you (JSON or a
zip), and, for a client, erase it, confirming with the password; what is kept and why.

The export and the erasure are the API's (`concierge.privacy`, `me/export/`, `me/erase/`):
the same data, in the same shapes, with the same records in the vault's access log."""

import json
import tempfile

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concierge import policies, privacy
from concierge.api.privacy_views import ZipRenderer, write_zip
from concierge.api.vault_views import client_ip
from concierge.errors import ApplicationError
from concierge.web.access import allowed, signed_in
from concierge.web.forms import attach_error
from concierge.web.privacy_forms import EraseForm, ExportForm


def _page(request, erase_form=None, status=200):
    context = {
        "export_form": ExportForm(),
        "erase_form": erase_form or (EraseForm() if request.user.is_client else None),
    }
    return render(request, "portal/privacy.html", context, status=status)


@signed_in
def privacy_page(request):
    return _page(request)


def _private(response):
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    return response


@signed_in
@require_POST
def privacy_export(request):
    """A download (a POST: exporting decrypts the vault, which its access log records)."""
    form = ExportForm(request.POST)
    kind = form.cleaned_data["format"] if form.is_valid() else "json"
    data = privacy.person_export(user=request.user, ip_address=client_ip(request))
    response: HttpResponse | FileResponse
    if kind == "zip":
        archive = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        write_zip(archive, data, request.user)
        archive.seek(0)
        response = FileResponse(
            archive,
            as_attachment=True,
            filename="concierge-export.zip",
            content_type=ZipRenderer.media_type,
        )
    else:
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, indent=2),
            content_type="application/json",
        )
        response["Content-Disposition"] = 'attachment; filename="concierge-export.json"'
    return _private(response)


@allowed(policies.may_erase_self)
@require_POST
def privacy_erase(request):
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            privacy.client_erase_self(user=request.user, password=form.cleaned_data["password"])
        except ApplicationError as error:
            attach_error(form, error)
        else:
            logout(request)
            messages.success(
                request,
                _("Your data is erased and you are signed out. Invoices stay, without your name."),
            )
            return redirect("portal:home")
    return _page(request, erase_form=form, status=400)
