"""Reports over a range of days: `reports/time/` (time and money) and `reports/quality/`.

Every role may ask; each reads its own scope (the selectors decide): managers everything,
an assistant their own rows, a client their own account."""

from typing import cast

from django.core.paginator import Page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import errors
from billing.api import report_serializers as out
from billing.reports import csv as report_csv
from billing.reports.quality import quality_report
from billing.reports.time import time_report
from concierge.api.pagination import Pagination
from concierge.errors import Invalid

# The codes a parameter's error may carry itself, rather than its parameter's.
OWN_CODES = frozenset({errors.Code.RANGE_TOO_LONG})

RANGE_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="The first day, in the reader's zone; the first of `to`'s month if absent.",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="The last day, included; the last of `from`'s month if absent. At most "
        "two years after `from`.",
    ),
]
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT),
    OpenApiParameter("page_size", OpenApiTypes.INT),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
]


class ReportCSVRenderer(BaseRenderer):
    """A report's rows (all of them) as CSV, the row fields as columns, the totals last."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        view = renderer_context["view"] if renderer_context else None
        columns = getattr(view, "csv_columns", None) or list(data)
        text = report_csv.render(columns, data.get("results", ()), data.get("totals"))
        return text.encode(self.charset)


def parse(request, serializer_class):
    """The query parameters, parsed in the reader's zone; the first refused one is a 400
    with its own code."""
    query = serializer_class(data=request.query_params, context={"zone": request.user.zone})
    if not query.is_valid():
        name, messages = next(iter(query.errors.items()))
        detail = messages[0]
        code = detail.code if detail.code in OWN_CODES else query.codes[name]
        raise Invalid(code, str(detail), fields={name: [str(detail)]})
    return query.validated_data


class ReportView(APIView):
    """A report: its rows paginated in JSON, all of them in CSV."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, ReportCSVRenderer]
    pagination_class = Pagination
    name = "report"
    csv_columns: list[str] = []  # the rows' fields, once the output is known

    def respond(self, request, *, report_range, body, rows, output):
        body = {
            **body,
            "from": report_range.first_day,
            "to": report_range.last_day,
            "time_zone": str(report_range.zone),
            "start": report_range.start,
            "end": report_range.end,
        }
        links: tuple[str | None, str | None]
        if isinstance(request.accepted_renderer, ReportCSVRenderer):
            page, count, links = rows, len(rows), (None, None)
        else:
            paginator = self.pagination_class()
            page = paginator.paginate_queryset(rows, request, view=self)
            page_of_rows = cast(Page, paginator.page)  # set by paginate_queryset
            count = page_of_rows.paginator.count
            links = (paginator.get_next_link(), paginator.get_previous_link())
        body.update(count=count, next=links[0], previous=links[1], results=page)
        serializer = output(body)
        self.csv_columns = list(serializer.fields["results"].child.fields)
        response = Response(serializer.data)
        if isinstance(request.accepted_renderer, ReportCSVRenderer):
            filename = f"{self.name}-{report_range.first_day}-{report_range.last_day}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON, whatever format was asked for.
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and isinstance(
            getattr(response, "accepted_renderer", None), ReportCSVRenderer
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class TimeReportView(ReportView):
    """Time logged over a range of days and what the invoices of the range charged,
    grouped by client, assistant, category, task, week or month."""

    name = "time-report"

    @extend_schema(
        operation_id="reports_time",
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=list(out.GROUPS),
                description="`client` if absent.",
            ),
            OpenApiParameter("client", OpenApiTypes.INT),
            OpenApiParameter("assistant", OpenApiTypes.INT),
            OpenApiParameter("category", OpenApiTypes.STR),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: OpenApiResponse(
                out.ManagerTimeReportSerializer,
                description="JSON; with `?format=csv` the rows (all pages) and a totals row. "
                "The cost, revenue and margin fields are for managers only.",
            )
        },
    )
    def get(self, request):
        query = parse(request, out.TimeReportQuerySerializer)
        report_range, group_by = query["range"], query["group_by"]
        report = time_report(
            request.user,
            report_range=report_range,
            group_by=group_by,
            filters={name: query.get(name) for name in ("client", "assistant", "category")},
            language=request.LANGUAGE_CODE,
        )
        return self.respond(
            request,
            report_range=report_range,
            body={"group_by": group_by, "totals": report["totals"]},
            rows=report["rows"],
            output=out.ManagerTimeReportSerializer if report["costs"] else out.TimeReportSerializer,
        )


class QualityReportView(ReportView):
    """Service quality over a range of days, per assistant or per category: deliveries,
    punctuality, revisions, ratings, first answers and reassignments."""

    name = "quality-report"

    @extend_schema(
        operation_id="reports_quality",
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=list(out.QUALITY_GROUPS),
                description="`assistant` if absent.",
            ),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: OpenApiResponse(
                out.QualityReportSerializer,
                description="JSON; with `?format=csv` the rows (all pages) and a totals row.",
            )
        },
    )
    def get(self, request):
        query = parse(request, out.QualityReportQuerySerializer)
        report_range, group_by = query["range"], query["group_by"]
        report = quality_report(
            request.user,
            report_range=report_range,
            group_by=group_by,
            language=request.LANGUAGE_CODE,
        )
        return self.respond(
            request,
            report_range=report_range,
            body={"group_by": group_by, "totals": report["totals"]},
            rows=report["rows"],
            output=out.QualityReportSerializer,
        )
