from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants import policies, selectors, services
from assistants.api import time_serializers as ts
from assistants.models import TimeEntry
from concierge import errors
from concierge.api.compiled import CompiledListMixin
from concierge.api.idempotency import idempotent
from concierge.api.permissions import allowed
from concierge.api.users import request_user
from concierge.selectors import tasks_visible_to

TracksOwnTime = allowed(policies.may_track_own_time)


def _task_for(user, task_id):
    task = tasks_visible_to(user).filter(pk=task_id).first()
    if task is None:
        raise errors.NotFound(errors.Code.NOT_FOUND, _("No such task."))
    return task


class TimeEntryViewSet(
    CompiledListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Time entries: raw `[started_at, ended_at)` intervals on tasks."""

    serializer_class = ts.TimeEntrySerializer
    queryset = TimeEntry.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in ("create", "partial_update", "destroy"):
            return [allowed(policies.may_write_time)()]
        if self.action == "dispute":
            return [allowed(policies.may_dispute_time)()]
        if self.action == "resolve":
            return [allowed(policies.may_resolve_entry)()]
        return [IsAuthenticated()]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ts.TimeEntryDetailSerializer
        return ts.TimeEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, read without a person
            return self.queryset
        qs = selectors.time_entries_visible_to(request_user(self.request))
        if self.action == "list":
            return qs
        # The actions tell the task's client and name the task.
        qs = qs.select_related("task")
        if self.action == "retrieve":
            qs = qs.prefetch_related("events")
        return qs

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = ts.TimeEntryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        for key, lookup in (
            ("task", "task_id"),
            ("assistant", "assistant_id"),
            ("client", "task__client_id"),
            ("started_after", "started_at__gte"),
            ("started_before", "started_at__lt"),
        ):
            if f.get(key) is not None:
                queryset = queryset.filter(**{lookup: f[key]})
        if f.get("invoiced") is not None:
            queryset = queryset.filter(invoice_id__isnull=not f["invoiced"])
        return queryset

    @extend_schema(parameters=[ts.TimeEntryFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ts.TimeEntryCreateSerializer, responses={201: ts.TimeEntrySerializer})
    @idempotent
    def create(self, request):
        data = ts.TimeEntryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        entry = services.time_entry_create(
            actor=request.user,
            task=_task_for(request.user, d["task"]),
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            note=d["note"],
            billable=d["billable"],
        )
        return Response(ts.TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ts.TimeEntryUpdateSerializer, responses=ts.TimeEntrySerializer)
    def partial_update(self, request, pk=None):
        entry = self.get_object()
        data = ts.TimeEntryUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_update(actor=request.user, entry=entry, **data.validated_data)
        return Response(ts.TimeEntrySerializer(entry).data)

    def perform_destroy(self, instance):
        services.time_entry_delete(actor=request_user(self.request), entry=instance)

    @extend_schema(request=ts.DisputeSerializer, responses=ts.TimeEntrySerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        entry = self.get_object()
        data = ts.DisputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_dispute(
            actor=request.user, entry=entry, reason=data.validated_data["reason"]
        )
        return Response(ts.TimeEntrySerializer(entry).data)

    @extend_schema(request=ts.ResolveSerializer, responses=ts.TimeEntrySerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        entry = self.get_object()
        data = ts.ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_resolve(actor=request.user, entry=entry, **data.validated_data)
        return Response(ts.TimeEntrySerializer(entry).data)


class TimerView(APIView):
    """The requesting assistant's running timer."""

    permission_classes = [TracksOwnTime]

    @extend_schema(responses={200: ts.TimeEntrySerializer, 404: None})
    def get(self, request):
        entry = selectors.running_timer(request.user)
        if entry is None:
            raise errors.NotFound(errors.Code.NOT_FOUND, _("No timer is running."))
        return Response(ts.TimeEntrySerializer(entry).data)


class TimerStartView(APIView):
    permission_classes = [TracksOwnTime]

    @extend_schema(request=ts.TimerStartSerializer, responses={201: ts.TimeEntrySerializer})
    @idempotent
    def post(self, request):
        data = ts.TimerStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.timer_start(
            actor=request.user,
            task=_task_for(request.user, data.validated_data["task"]),
            note=data.validated_data["note"],
        )
        return Response(ts.TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TimerStopView(APIView):
    permission_classes = [TracksOwnTime]

    @extend_schema(request=None, responses=ts.TimeEntrySerializer)
    def post(self, request):
        entry = services.timer_stop(actor=request.user)
        return Response(ts.TimeEntrySerializer(entry).data)


__all__ = ["TimeEntryViewSet", "TimerStartView", "TimerStopView", "TimerView"]
