import csv
import io
from typing import cast

from django.core.paginator import Page
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from assistants import policies, workload_selectors, workloads
from assistants.api import workload_serializers as out
from concierge import errors
from concierge.api.pagination import Pagination
from concierge.api.permissions import allowed
from concierge.errors import Invalid, NotFound

MAX_ID = 2**63 - 1

WEEK_PARAMETER = OpenApiParameter(
    "week", OpenApiTypes.STR, description="ISO week (e.g. 2026-W47); the current week if absent."
)


class WorkloadCSVRenderer(BaseRenderer):
    """The team's rows as CSV, the JSON row fields as columns, the team totals last."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=out.ROW_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in data.get("results", ()):
            writer.writerow({key: _cell(value) for key, value in row.items()})
        totals = data.get("totals")
        if totals:
            totals = {**totals, "assistant": "total", "week": data.get("week")}
            writer.writerow({key: _cell(value) for key, value in totals.items()})
        return buffer.getvalue().encode(self.charset)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # shown as text, never evaluated
    return value


def _query(request, serializer_class=out.WorkloadQuerySerializer):
    """The query parameters, parsed; the first refused one is a 400 with its own code."""
    query = serializer_class(data=request.query_params)
    if not query.is_valid():
        name, messages = next(iter(query.errors.items()))
        message = str(messages[0])
        raise Invalid(query.codes[name], message, fields={name: [message]})
    data = query.validated_data
    return {**data, "week": data.get("week") or workloads.week_of(timezone.now())}


def _sorted(rows, ordering):
    field = ordering.removeprefix("-")
    descending = ordering.startswith("-")
    # Ties keep the assistant order; missing values (no ratio) go last either way.
    present = [row for row in rows if row[field] is not None]
    missing = [row for row in rows if row[field] is None]
    present.sort(key=lambda row: row[field], reverse=descending)
    return present + missing


class TeamWorkloadView(APIView):
    """Every assistant's week: tasks, time, utilization, punctuality and ratings."""

    permission_classes = [allowed(policies.may_see_team)]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, WorkloadCSVRenderer]
    pagination_class = Pagination

    @extend_schema(
        operation_id="workloads_list",
        parameters=[
            WEEK_PARAMETER,
            OpenApiParameter("active", OpenApiTypes.BOOL),
            OpenApiParameter("skill", OpenApiTypes.STR, description="Case-insensitive."),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                description="A row field, `-` for descending; `assistant` by default.",
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={
            200: OpenApiResponse(
                out.TeamWorkloadSerializer,
                description="JSON; with `?format=csv` the rows (all pages) and a totals row.",
            )
        },
    )
    def get(self, request):
        query = _query(request)
        week = query["week"]
        rows = workload_selectors.team_workload(
            request.user,
            week=week,
            now=timezone.now(),
            active=query.get("active"),
            skill=query.get("skill"),
        )
        rows = _sorted(rows, query.get("ordering", "assistant"))
        totals = workload_selectors.team_totals(rows)
        week_start, week_end = week.bounds()
        body = {"week": str(week), "week_start": week_start, "week_end": week_end}
        links: tuple[str | None, str | None]
        if isinstance(request.accepted_renderer, WorkloadCSVRenderer):
            page, count, links = rows, len(rows), (None, None)
        else:
            paginator = self.pagination_class()
            page = paginator.paginate_queryset(rows, request, view=self)
            page_of_rows = cast(Page, paginator.page)  # set by paginate_queryset
            count = page_of_rows.paginator.count
            links = (paginator.get_next_link(), paginator.get_previous_link())
        body.update(count=count, next=links[0], previous=links[1], totals=totals, results=page)
        data = out.TeamWorkloadSerializer(body).data
        response = Response(data)
        if isinstance(request.accepted_renderer, WorkloadCSVRenderer):
            response["Content-Disposition"] = f'attachment; filename="workloads-{week}.csv"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and isinstance(
            getattr(response, "accepted_renderer", None), WorkloadCSVRenderer
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class AssistantWorkloadView(APIView):
    """One assistant's week: the team row, each local day, open and overdue tasks with
    their promised deadlines and at-risk flags. Managers, and the assistant themself."""

    permission_classes = [allowed(policies.may_read_own_workload)]

    @extend_schema(
        operation_id="workloads_retrieve",
        parameters=[WEEK_PARAMETER],
        responses=out.AssistantWorkloadSerializer,
    )
    def get(self, request, assistant_id):
        week = _query(request, out.WorkloadWeekSerializer)["week"]
        if assistant_id > MAX_ID:
            raise NotFound(errors.Code.NOT_FOUND, _("No such assistant."))
        result = workload_selectors.assistant_workload(
            request.user, assistant_id=assistant_id, week=week, now=timezone.now()
        )
        if result is None:
            raise NotFound(errors.Code.NOT_FOUND, _("No such assistant."))
        return Response(out.AssistantWorkloadSerializer(result).data)
