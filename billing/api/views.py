from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import credit_notes, errors, pdf, policies, selectors, services
from billing import seller as billing_seller
from billing import stripe as billing_stripe
from billing.api import serializers
from billing.api.filters import InvoiceFilter
from billing.models import CreditNote, HourPack, Invoice
from concierge.api.compiled import CompiledListMixin
from concierge.api.idempotency import idempotent
from concierge.api.permissions import allowed
from concierge.api.users import request_user
from concierge.errors import Invalid, NotFound
from concierge.models import Role, User

KeepsOwnBilling = allowed(policies.may_keep_own_billing)
ManagesClientBilling = allowed(policies.may_manage_client_billing)
ReadsInvoices = allowed(policies.may_read_invoices)


class PlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Plans: anyone reads the active ones; managers create and edit."""

    serializer_class = serializers.PlanSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [allowed(policies.may_manage_plans)()]

    def get_queryset(self):
        return selectors.plans_visible_to(self.request.user).prefetch_related("terms")

    def perform_create(self, serializer):
        plan = services.plan_create(actor=request_user(self.request), **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def perform_update(self, serializer):
        plan = services.plan_update(
            plan=serializer.instance, actor=request_user(self.request), **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=plan.pk)


def _own_subscription(user):
    subscription = selectors.subscription_of(user)
    if subscription is None:
        raise NotFound(errors.Code.NO_SUBSCRIPTION, _("You have no subscription."))
    return subscription


class SubscriptionView(APIView):
    permission_classes = [KeepsOwnBilling]

    @extend_schema(responses=serializers.SubscriptionSerializer)
    def get(self, request):
        return Response(serializers.SubscriptionSerializer(_own_subscription(request.user)).data)

    @extend_schema(
        request=serializers.SubscribeSerializer,
        responses={201: serializers.SubscriptionSerializer},
    )
    @idempotent
    def post(self, request):
        data = serializers.SubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_create(
            client=request.user, plan=data.validated_data["plan"]
        )
        return Response(
            serializers.SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.SpendCapSerializer, responses=serializers.SubscriptionSerializer
    )
    def patch(self, request):
        data = serializers.SpendCapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_set_spend_cap(
            subscription=_own_subscription(request.user),
            actor=request.user,
            **data.validated_data,
        )
        return Response(serializers.SubscriptionSerializer(subscription).data)


class SubscriptionChangeView(APIView):
    permission_classes = [KeepsOwnBilling]

    @extend_schema(
        request=serializers.SubscribeSerializer, responses=serializers.SubscriptionSerializer
    )
    def post(self, request):
        data = serializers.SubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_change(
            subscription=_own_subscription(request.user), plan=data.validated_data["plan"]
        )
        return Response(serializers.SubscriptionSerializer(subscription).data)


class SubscriptionCancelView(APIView):
    permission_classes = [KeepsOwnBilling]

    @extend_schema(request=None, responses=serializers.SubscriptionSerializer)
    def post(self, request):
        subscription = services.subscription_cancel(subscription=_own_subscription(request.user))
        return Response(serializers.SubscriptionSerializer(subscription).data)


def _client_or_404(client_id):
    client = User.objects.filter(pk=client_id, role=Role.CLIENT).first()
    if client is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No such client."))
    return client


class ClientSubscriptionView(APIView):
    """A manager subscribes a client, possibly from a past start date."""

    permission_classes = [ManagesClientBilling]

    @extend_schema(responses=serializers.SubscriptionSerializer)
    def get(self, request, pk):
        client = _client_or_404(pk)
        subscription = selectors.live_subscription(client.pk)
        if subscription is None:
            raise NotFound(errors.Code.NO_SUBSCRIPTION, _("This client has no subscription."))
        return Response(serializers.SubscriptionSerializer(subscription).data)

    @extend_schema(
        request=serializers.ManagerSubscribeSerializer,
        responses={201: serializers.SubscriptionSerializer},
    )
    @idempotent
    def post(self, request, pk):
        client = _client_or_404(pk)
        data = serializers.ManagerSubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_create(
            client=client, actor=request.user, **data.validated_data
        )
        return Response(
            serializers.SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED
        )


class UsageView(APIView):
    permission_classes = [ReadsInvoices]

    @extend_schema(
        parameters=[serializers.UsageQuerySerializer],
        responses=serializers.UsageSerializer,
    )
    def get(self, request):
        if request.user.is_manager:
            query = serializers.UsageQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            if "client" not in query.validated_data:
                raise Invalid(
                    errors.Code.INVALID,
                    _("Give ?client=<id>."),
                    fields={"client": [_("Required.")]},
                )
            client = _client_or_404(query.validated_data["client"])
        else:
            client = request.user
        usage = selectors.client_usage(client.pk)
        if usage is None:
            raise NotFound(errors.Code.NO_SUBSCRIPTION, _("No subscription and no hour pack."))
        r = usage.rating
        body = {
            "period_start": usage.period_start,
            "period_end": usage.period_end,
            "used_minutes": r.used_minutes,
            "rollover_minutes": r.rollover_in,
            "rollover_expires_at": usage.rollover_expires_at,
            "included_minutes": r.included_minutes,
            "pack_minutes": r.pack_minutes,
            "remaining_minutes": usage.remaining_minutes,
            "overage_minutes": r.overage_minutes,
            "from_rollover": r.from_rollover,
            "from_included": r.from_included,
            "from_packs": r.from_packs,
            "projected_amount": r.total,
            "spend_cap": usage.subscription.spend_cap if usage.subscription else None,
            "currency": usage.currency,
            "billed_through": "subscription" if usage.subscription else "packs",
        }
        return Response(serializers.UsageSerializer(body).data)


class PackViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [KeepsOwnBilling]
    serializer_class = serializers.PackSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HourPack.objects.none()
        return selectors.hour_packs_of(request_user(self.request)).select_related("invoice")

    def get_permissions(self):
        if self.action == "offers":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(responses=serializers.PackOfferSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def offers(self, request):
        """What can be bought: each pack's minutes, price, currency and validity in days.
        Public, like the plans."""
        return Response(serializers.PackOfferSerializer(services.pack_offers(), many=True).data)

    @extend_schema(
        request=serializers.PackBuySerializer, responses={201: serializers.PackSerializer}
    )
    @idempotent
    def create(self, request):
        data = serializers.PackBuySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pack = services.pack_purchase(client=request.user, **data.validated_data)
        return Response(serializers.PackSerializer(pack).data, status=status.HTTP_201_CREATED)


class PDFRenderer(BaseRenderer):
    """A document as PDF (the view renders it); errors stay JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)
        return data


def pdf_response(content: bytes, name: str) -> Response:
    response = Response(content, content_type=PDFRenderer.media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


PDF_RESPONSES = {
    (200, "application/pdf"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="PDF/A-3 in the buyer's language, its Factur-X XML (EN 16931) "
        "embedded as `factur-x.xml`.",
    )
}


class InvoiceViewSet(CompiledListMixin, viewsets.ReadOnlyModelViewSet):
    """Invoices with their lines, usage breakdown and (in detail) the entries billed."""

    permission_classes = [ReadsInvoices]
    filterset_class = InvoiceFilter

    def get_permissions(self):
        if self.action == "mark_paid":
            return [ManagesClientBilling()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.InvoiceSerializer
        return serializers.InvoiceDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, read without a person
            return Invoice.objects.none()
        invoices = selectors.invoices_visible_to(request_user(self.request))
        if self.action == "list":
            return invoices.select_related("seller").prefetch_related("lines")
        if self.action == "pdf":
            return invoices.select_related("seller", "client").prefetch_related("lines")
        return selectors.invoices_with_details(invoices)

    @extend_schema(responses=PDF_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def pdf(self, request, pk=None):
        """The invoice as a PDF a business may keep: seller, buyer, lines with their VAT,
        totals, due date and legal mentions, with its Factur-X XML embedded."""
        return pdf_response(*pdf.invoice_pdf(self.get_object()))

    @extend_schema(request=None, responses=serializers.InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        invoice = services.invoice_mark_paid(invoice=self.get_object(), actor=request.user)
        invoice = selectors.invoices_with_details(selectors.invoices_visible_to(request.user)).get(
            pk=invoice.pk
        )
        return Response(serializers.InvoiceDetailSerializer(invoice).data)


class ClosePeriodView(APIView):
    """The monthly close: GET says where it stands, POST closes ended months."""

    permission_classes = [ManagesClientBilling]

    @extend_schema(responses=serializers.CloseStatusSerializer)
    def get(self, request):
        status = selectors.close_status(request.user)
        return Response(serializers.CloseStatusSerializer(status).data)

    @extend_schema(
        request=serializers.ClosePeriodSerializer, responses=serializers.CloseResultSerializer
    )
    def post(self, request):
        data = serializers.ClosePeriodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.billing_period_close(
            period=data.validated_data.get("period"), actor=request.user
        )
        return Response(
            serializers.CloseResultSerializer(
                {
                    "invoices": result.invoices,
                    "periods": [f"{p:%Y-%m}" for p in result.periods],
                }
            ).data
        )


def _payment_method_body(summary):
    if summary is None:
        return {"payment_method": None}
    body = {"payment_method": summary.id}
    if summary.brand:
        body["brand"] = summary.brand
    if summary.last4:
        body["last4"] = summary.last4
    return body


def _payment_error(description):
    return OpenApiResponse(serializers.PaymentErrorSerializer, description=description)


PAYMENT_METHOD_ERRORS = {
    409: _payment_error("`payments_not_configured`: local mode, no Stripe key configured."),
    502: _payment_error(
        "`payment_provider_error`: Stripe could not be reached or refused the request "
        "(network, rate limit, configuration); nothing was changed that a retry would repeat."
    ),
}


class PaymentMethodView(APIView):
    """The client's default payment method for invoices collected by Stripe.

    POST takes the PaymentMethod id the front end got from Stripe.js, attaches it to the
    client's Stripe customer (created on first use) and makes it the default; repeating
    it changes nothing. GET shows the current default, as Stripe has it.

    Errors: a card Stripe refuses is 402 `card_declined` (the client can fix it with
    another card; the detail is Stripe's sentence for the card holder); an id Stripe does
    not know or will not attach is 400 `invalid_payment_method`; any other Stripe failure
    is 502 `payment_provider_error`: it is upstream, so neither a 4xx (nothing the client
    sent is wrong) nor a 500 (nothing here crashed), and it tells the front end to retry
    later. In local mode both methods are 409 `payments_not_configured`.
    """

    permission_classes = [KeepsOwnBilling]

    @extend_schema(
        responses={200: serializers.PaymentMethodSerializer, **PAYMENT_METHOD_ERRORS},
    )
    def get(self, request):
        summary = billing_stripe.payment_method_default(user=request.user)
        return Response(serializers.PaymentMethodSerializer(_payment_method_body(summary)).data)

    @extend_schema(
        request=serializers.PaymentMethodAttachSerializer,
        responses={
            200: serializers.PaymentMethodSerializer,
            400: _payment_error(
                "`invalid`: not a PaymentMethod id; `invalid_payment_method`: Stripe does not "
                "know this id or will not attach it (e.g. attached to another customer), or "
                "the SetupIntent is unknown or another customer's."
            ),
            402: _payment_error("`card_declined`: the card was refused; use another card."),
            **PAYMENT_METHOD_ERRORS,
            409: _payment_error(
                "`payments_not_configured`: local mode; `setup_intent_incomplete`: the "
                "SetupIntent still needs its card or its authentication."
            ),
        },
    )
    def post(self, request):
        data = serializers.PaymentMethodAttachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summary = services.payment_method_set(user=request.user, **data.validated_data)
        return Response(serializers.PaymentMethodSerializer(_payment_method_body(summary)).data)


class SetupIntentView(APIView):
    """Save a card with Strong Customer Authentication: POST starts a SetupIntent for
    off-session payments; Stripe.js confirms it with the card (3-D Secure when the bank
    asks), then `POST payment-method/` with its `setup_intent` makes the card the default.
    In local mode 409 `payments_not_configured`."""

    permission_classes = [KeepsOwnBilling]

    @extend_schema(
        request=None,
        responses={201: serializers.SetupIntentSerializer, **PAYMENT_METHOD_ERRORS},
    )
    def post(self, request):
        started = billing_stripe.setup_intent_create(user=request.user)
        body = {"setup_intent": started.id, "client_secret": started.client_secret}
        return Response(
            serializers.SetupIntentSerializer(body).data, status=status.HTTP_201_CREATED
        )


class SellerView(APIView):
    """The seller's identity and legal mentions, as invoices issued now state them.

    PATCH records a new version (the current one with the changes made; the first needs
    `name`, `address` and `siren`); invoices already issued keep the version they name.
    GET is 404 `seller_missing` until one is recorded."""

    permission_classes = [ManagesClientBilling]

    @extend_schema(responses=serializers.SellerSerializer)
    def get(self, request):
        seller = billing_seller.current_seller()
        if seller is None:
            raise NotFound(errors.Code.SELLER_MISSING, _("No seller is recorded yet."))
        return Response(serializers.SellerSerializer(seller).data)

    @extend_schema(request=serializers.SellerSerializer, responses=serializers.SellerSerializer)
    def patch(self, request):
        data = serializers.SellerSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        seller = billing_seller.seller_update(actor=request.user, **data.validated_data)
        return Response(serializers.SellerSerializer(seller).data)


def _billing_details_body(client):
    details = billing_seller.billing_details_of(client)
    if details is None:
        raise NotFound(errors.Code.NOT_FOUND, _("No billing details yet."))
    return serializers.BillingDetailsSerializer(details).data


def _billing_details_patch(request, client):
    data = serializers.BillingDetailsSerializer(data=request.data, partial=True)
    data.is_valid(raise_exception=True)
    details = billing_seller.billing_details_update(
        client=client, actor=request.user, **data.validated_data
    )
    return Response(serializers.BillingDetailsSerializer(details).data)


class BillingDetailsView(APIView):
    """The name and address the client's invoices are made out to (each invoice keeps a
    copy as it was when issued). The first PATCH needs `name` and `address`."""

    permission_classes = [KeepsOwnBilling]

    @extend_schema(responses=serializers.BillingDetailsSerializer)
    def get(self, request):
        return Response(_billing_details_body(request.user))

    @extend_schema(
        request=serializers.BillingDetailsSerializer,
        responses=serializers.BillingDetailsSerializer,
    )
    def patch(self, request):
        return _billing_details_patch(request, request.user)


class ClientBillingDetailsView(APIView):
    """A manager reads and edits a client's billing details."""

    permission_classes = [ManagesClientBilling]

    @extend_schema(responses=serializers.BillingDetailsSerializer)
    def get(self, request, pk):
        return Response(_billing_details_body(_client_or_404(pk)))

    @extend_schema(
        request=serializers.BillingDetailsSerializer,
        responses=serializers.BillingDetailsSerializer,
    )
    def patch(self, request, pk):
        return _billing_details_patch(request, _client_or_404(pk))


class CreditNoteViewSet(viewsets.ReadOnlyModelViewSet):
    """Credit notes: what decisions on disputed, invoiced entries took off invoices. A
    client reads their own, a manager all; another person's is 404."""

    permission_classes = [ReadsInvoices]
    serializer_class = serializers.CreditNoteSerializer

    def get_permissions(self):
        if self.action == "mark_settled":
            return [ManagesClientBilling()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema, read without a person
            return CreditNote.objects.none()
        return (
            selectors.credit_notes_visible_to(request_user(self.request))
            .select_related("seller", "client")
            .prefetch_related("lines")
        )

    @extend_schema(responses=PDF_RESPONSES)
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def pdf(self, request, pk=None):
        """The credit note as a PDF/A-3 with its Factur-X XML (type 381) embedded."""
        return pdf_response(*pdf.credit_note_pdf(self.get_object()))

    @extend_schema(request=None, responses=serializers.CreditNoteSerializer)
    @action(detail=True, methods=["post"], url_path="mark-settled")
    def mark_settled(self, request, pk=None):
        """A manager records that the credit was refunded or set off (repeats change
        nothing)."""
        note = credit_notes.credit_note_mark_settled(
            credit_note=self.get_object(), actor=request.user
        )
        return Response(serializers.CreditNoteSerializer(self.get_queryset().get(pk=note.pk)).data)
