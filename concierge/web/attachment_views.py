"""Files on the task page: the list with downloads and previews, adding files (with a
message), deleting one's own. The same selectors and services as the API; the file input
is a plain one (drag and drop is `portal/attachments.js`, when scripts run)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from concierge import selectors
from concierge.attachments import content
from concierge.attachments import selectors as attachment_selectors
from concierge.attachments import services as attachment_services
from concierge.attachments.responses import file_response
from concierge.web.access import signed_in
from concierge.web.once import once
from concierge.web.registry import register_panel

FIELD = "files"
# A hint for the browser's file picker; what is accepted is decided from the content.
ACCEPT = ",".join([*content.ALLOWED_TYPES, *sorted(content.KNOWN_EXTENSIONS)])


def upload_limits() -> dict:
    return {"accept": ACCEPT, "max_megabytes": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}


def task_attachments(request, *, task, **page):
    """The task page's panel: its files, and the form to add some while it is open."""
    return {
        "task": task,
        "files": list(attachment_selectors.attachment_list(request.user, task)),
        "may_add": attachment_services.may_attach(task, request.user),
        **upload_limits(),
    }


def register():
    register_panel(
        slot="task",
        template="portal/attachments/panel.html",
        context=task_attachments,
        order=5,
    )


@signed_in
@require_POST
@once
def attachment_add(request, pk):
    task = selectors.task_get(request.user, pk)
    added = attachment_services.attachments_add(
        task=task,
        actor=request.user,
        files=request.FILES.getlist(FIELD),
        message=request.POST.get("message", "").strip()[:20_000],
    )
    messages.success(
        request,
        ngettext("%(count)d file added.", "%(count)d files added.", len(added))
        % {"count": len(added)},
    )
    return redirect("portal:task-detail", pk=task.pk)


@signed_in
@require_GET
def attachment_download(request, pk):
    attachment = attachment_selectors.attachment_get(request.user, pk)
    return file_response(attachment, download=request.GET.get("download") == "1")


@signed_in
@require_GET
def attachment_preview(request, pk):
    attachment = attachment_selectors.attachment_get(request.user, pk)
    if not attachment.thumbnail:
        raise Http404(_("This file has no preview."))
    return file_response(attachment, preview=True)


@signed_in
@require_POST
@once
def attachment_delete(request, pk):
    attachment = attachment_selectors.attachment_get(request.user, pk)
    task_id = attachment.task_id
    attachment_services.attachment_delete(attachment=attachment, actor=request.user)
    messages.success(request, _("The file is deleted."))
    return redirect("portal:task-detail", pk=task_id)
