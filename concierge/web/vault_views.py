"""The vault in the portal: a client keeps their items (logins, cards, notes) and reads who
opened them; an assistant serving the client opens one for a task, naming the purpose.

Lists and item pages show names only; a secret's value leaves the server in one answer to
"Reveal", recorded by `vault_item_reveal`, never cached and never kept (it is not stored
for a repeated form either: a second click is a second, recorded, reveal)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concierge import policies, selectors, vault_selectors, vault_services
from concierge.accounts.web import recent_authentication_required
from concierge.api.vault_views import client_ip
from concierge.attachments import vault_document_services as documents
from concierge.attachments.responses import bytes_response
from concierge.errors import ApplicationError
from concierge.models import Task, VaultDocument
from concierge.web.access import allowed
from concierge.web.forms import attach_error
from concierge.web.once import once
from concierge.web.vault_forms import DocumentForm, RevealForm, VaultItemForm

PAGE_SIZE = 25
vault_users = allowed(policies.may_open_vault)
vault_keepers = allowed(policies.may_keep_vault)


def reveal_form(user, item, data=None, *, name="reveal") -> RevealForm:
    """ "Reveal" for one item; an assistant names one of their open tasks of its client."""
    tasks: list[Task] | QuerySet[Task] = []
    if user.is_assistant:
        tasks = selectors.open_tasks_assigned_to(user).filter(client_id=item.client_id)
    return RevealForm(data, tasks=tasks, auto_id=f"id_{name}_{item.pk}_%s")


def task_vault(request, task, **page):
    """The task page's panel for its assignee: the client's items, each with "Reveal"."""
    user = request.user
    if task.assignee_id != user.pk or not task.is_open:
        return None
    items = vault_selectors.vault_items_visible_to(user).filter(client_id=task.client_id)
    return {"task": task, "items": [(item, reveal_form(user, item)) for item in items]}


@vault_users
def vault_list(request):
    items = vault_selectors.vault_items_visible_to(request.user).select_related("client")
    if request.user.is_assistant:
        items = items.order_by("client__last_name", "client__first_name", "client_id", "title")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/vault/list.html", {"page": page})


@vault_keepers
@once
def vault_new(request):
    form = VaultItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = vault_services.vault_item_create(client=request.user, **form.service_fields())
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("“%(title)s” is in your vault.") % {"title": item.title})
            return redirect("portal:vault-detail", pk=item.pk)
    return render(
        request, "portal/vault/form.html", {"form": form}, status=400 if form.errors else 200
    )


@vault_users
def vault_detail(request, pk):
    item = vault_selectors.vault_item_get(request.user, pk)
    context = {
        "item": item,
        "reveal_form": reveal_form(request.user, item),
        "document": VaultDocument.objects.filter(item=item).first(),
        "file_form": DocumentForm(),
        "download_form": reveal_form(request.user, item, name="download"),
    }
    if request.user.is_client:
        reveals = vault_selectors.vault_item_reveals(request.user, item.pk)
        context["log"] = Paginator(reveals.select_related("task"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(request, "portal/vault/detail.html", context)


@vault_keepers
@once
def vault_edit(request, pk):
    item = vault_selectors.vault_item_get(request.user, pk)
    initial = {
        "title": item.title,
        "kind": item.kind,
        "notes": item.notes,
        "notify_on_reveal": item.notify_on_reveal,
    }
    form = VaultItemForm(request.POST or None, item=item, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = vault_services.vault_item_update(
                item=item, actor=request.user, **form.service_fields()
            )
        except ApplicationError as error:
            attach_error(form, error)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": item.title})
            return redirect("portal:vault-detail", pk=item.pk)
    return render(
        request,
        "portal/vault/form.html",
        {"form": form, "item": item},
        status=400 if form.errors else 200,
    )


@vault_keepers
@once
def vault_delete(request, pk):
    item = vault_selectors.vault_item_get(request.user, pk)
    if request.method == "POST":
        vault_services.vault_item_delete(item=item, actor=request.user)
        messages.success(
            request,
            _("“%(title)s” is deleted; its access log is kept.") % {"title": item.title},
        )
        return redirect("portal:vault")
    return render(request, "portal/vault/delete.html", {"item": item})


def _private(response):
    """Never stored by the browser or a proxy, nor offered again by Back."""
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    return response


@vault_users
@require_POST
@recent_authentication_required
def vault_reveal(request, pk):
    """The item's secrets, shown once: a fragment in place (htmx) or a page of its own."""
    item = vault_selectors.vault_item_get(request.user, pk)
    form = reveal_form(request.user, item, request.POST)
    secrets = None
    if form.is_valid():
        try:
            secrets, _reveal = vault_services.vault_item_reveal(
                item=item,
                actor=request.user,
                purpose=form.cleaned_data["purpose"],
                task_id=form.cleaned_data.get("task"),
                ip_address=client_ip(request),
            )
        except ApplicationError as error:
            attach_error(form, error)
    context = {
        "item": item,
        "reveal_form": form,
        "secrets": None
        if secrets is None
        else [(name, value, "\n" in value) for name, value in sorted(secrets.items())],
        "task_id": form.cleaned_data.get("task") if secrets is not None else None,
        # Sent from the task page: the task stays the one it names.
        "fixed_task": form.cleaned_data.get("task") if request.POST.get("on_task") else None,
    }
    status = 200 if secrets is not None else 400
    if request.htmx:
        # A refusal is shown in place too: htmx swaps 2xx answers only.
        response = render(request, "portal/vault/_reveal.html", context)
    else:
        response = render(request, "portal/vault/revealed.html", context, status=status)
    return _private(response)


@vault_keepers
@require_POST
@once
def vault_document_upload(request, pk):
    """A document item's file: set, or replaced (encrypted at rest)."""
    item = vault_selectors.vault_item_get(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        try:
            document = documents.vault_document_attach(
                item=item, actor=request.user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request, _("“%(name)s” is kept in the vault.") % {"name": document.name}
            )
    return redirect("portal:vault-detail", pk=item.pk)


@vault_keepers
@require_POST
@once
def vault_document_remove(request, pk):
    item = vault_selectors.vault_item_get(request.user, pk)
    documents.vault_document_remove(item=item, actor=request.user)
    messages.success(request, _("The file is removed from the vault."))
    return redirect("portal:vault-detail", pk=item.pk)


@vault_users
@require_POST
@recent_authentication_required
def vault_document_download(request, pk):
    """The file itself, as a download, recorded as a reveal with its purpose."""
    item = vault_selectors.vault_item_get(request.user, pk)
    form = reveal_form(request.user, item, request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need the file (and for which task)."))
        return redirect("portal:vault-detail", pk=item.pk)
    document, plaintext, _reveal = documents.vault_document_reveal(
        item=item,
        actor=request.user,
        purpose=form.cleaned_data["purpose"],
        task_id=form.cleaned_data.get("task"),
        ip_address=client_ip(request),
    )
    return _private(
        bytes_response(plaintext, name=document.name, content_type=document.content_type)
    )
