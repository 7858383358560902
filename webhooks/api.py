"""The /webhooks API: endpoints, secrets, test events, the delivery log and replay."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from lib.api import ScopedAPIView
from lib.environment import Environment
from lib.request_context import RequestMeta
from webhooks import services
from webhooks.catalog import SUBSCRIBABLE
from webhooks.models import Delivery, Endpoint
from webhooks.presenters import delivery_detail

READ = ["cms.partner.read"]
WRITE = ["cms.partner.write"]


class EndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.URLField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE))
    environment = serializers.ChoiceField(choices=Environment.values)
    active = serializers.BooleanField()
    disabled_reason = serializers.ChoiceField(choices=Endpoint.DisabledReason.values, allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)
    failing_since = serializers.DateTimeField(allow_null=True)
    secret_hint = serializers.CharField(help_text="The start of the signing secret; never the secret.")
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="While set, deliveries are also signed with the previous secret."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(help_text="whsec_… signing secret. Returned only in this response.")


class CreateEndpointSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    events = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=50)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    environment = serializers.ChoiceField(choices=Environment.values, default=Environment.SANDBOX)


class UpdateEndpointSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=50, required=False
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class RecoverSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Replay failed deliveries created at or after this time.")


class DeliverySerializer(serializers.Serializer):
    id = serializers.CharField()
    endpoint_id = serializers.CharField()
    event_id = serializers.CharField(help_text="The webhook-id header of every attempt.")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=Delivery.Status.values)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    replay_of = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class DeliveryAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    latency_ms = serializers.IntegerField(allow_null=True)
    status_code = serializers.IntegerField(allow_null=True, help_text="The receiver's HTTP status; null if none came.")
    response_body = serializers.CharField(help_text="The first 2 KB of the receiver's answer.")
    error = serializers.CharField(allow_null=True, help_text="Why the attempt failed before an answer, if it did.")
    request_headers = serializers.DictField(child=serializers.CharField(), help_text="The headers sent.")


class DeliveryDetailSerializer(DeliverySerializer):
    payload = serializers.DictField(help_text="The event as JSON.")
    body = serializers.CharField(help_text="The exact text that was signed and sent.")
    attempt_log = DeliveryAttemptSerializer(many=True, help_text="Every attempt, oldest first.")


class WebhookAPIView(ScopedAPIView):
    """The services check the member behind the credential may manage webhooks."""

    serializer_class: type[serializers.Serializer] = EndpointSerializer

    def endpoints(self) -> QuerySet[Endpoint]:
        return Endpoint.objects.filter(partner=self.credential.partner)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return get_object_or_404(self.endpoints().select_related("partner"), public_id=endpoint_id)

    def meta(self) -> RequestMeta:
        return RequestMeta.of(self.request._request)


class EndpointList(WebhookAPIView):
    """The caller's webhook endpoints, and subscribing a new one."""

    required_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(operation_id="webhooks_list", responses={200: EndpointSerializer(many=True)})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.endpoints())
        return self.get_paginated_response([e.as_json() for e in page or []])

    @extend_schema(
        request=CreateEndpointSerializer,
        examples=[
            OpenApiExample(
                "Subscribe",
                value={
                    "url": "https://hooks.partner.example/cms",
                    "events": ["partner.token.revoked", "webhook.test"],
                    "description": "claims sync",
                },
                request_only=True,
            )
        ],
        responses={201: EndpointWithSecretSerializer},
    )
    def post(self, request: Request) -> Response:
        body = CreateEndpointSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        created = services.create_endpoint(
            partner=self.credential.partner,
            url=data["url"],
            event_types=data["events"],
            description=data["description"],
            environment=data["environment"],
            by=self.credential.user,
            meta=self.meta(),
        )
        return Response({**created.endpoint.as_json(), "secret": created.secret}, status=status.HTTP_201_CREATED)


class EndpointDetail(WebhookAPIView):
    required_scopes = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}

    @extend_schema(operation_id="webhooks_retrieve")
    def get(self, request: Request, endpoint_id: str) -> Response:
        return Response(self.endpoint(endpoint_id).as_json())

    @extend_schema(
        request=UpdateEndpointSerializer,
        examples=[OpenApiExample("Pause", value={"active": False, "description": "paused"}, request_only=True)],
        responses={200: EndpointSerializer},
    )
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self.endpoint(endpoint_id)
        body = UpdateEndpointSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        endpoint = services.update_endpoint(
            endpoint=endpoint,
            by=self.credential.user,
            meta=self.meta(),
            url=data.get("url"),
            description=data.get("description"),
            event_types=data.get("events"),
            active=data.get("active"),
        )
        return Response(endpoint.as_json())

    @extend_schema(responses={204: None})
    def delete(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self.endpoint(endpoint_id)
        services.delete_endpoint(endpoint=endpoint, by=self.credential.user, meta=self.meta())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotateSecret(WebhookAPIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(request=None, responses={200: EndpointWithSecretSerializer})
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self.endpoint(endpoint_id)
        rotated = services.rotate_secret(endpoint=endpoint, by=self.credential.user, meta=self.meta())
        return Response({**rotated.endpoint.as_json(), "secret": rotated.secret})


class SendTest(WebhookAPIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(request=None, responses={202: DeliverySerializer})
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self.endpoint(endpoint_id)
        delivery = services.send_test(endpoint=endpoint, by=self.credential.user, meta=self.meta())
        return Response(delivery.as_json(), status=status.HTTP_202_ACCEPTED)


class Recover(WebhookAPIView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        request=RecoverSerializer,
        examples=[OpenApiExample("Since", value={"since": "2026-03-01T00:00:00Z"}, request_only=True)],
        responses={202: inline_serializer("Recovered", {"replayed": serializers.IntegerField()})},
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self.endpoint(endpoint_id)
        body = RecoverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        replays = services.recover_failed(
            endpoint=endpoint, since=body.validated_data["since"], by=self.credential.user, meta=self.meta()
        )
        return Response({"replayed": len(replays)}, status=status.HTTP_202_ACCEPTED)


class DeliveryList(WebhookAPIView):
    """The endpoint's delivery log, newest first."""

    required_scopes = {"GET": READ}
    serializer_class = DeliverySerializer

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=Delivery.Status.values, description="Only these."),
            OpenApiParameter("event_type", OpenApiTypes.STR, enum=list(SUBSCRIBABLE), description="Only these."),
        ],
        responses={
            200: DeliverySerializer(many=True),
            400: OpenApiResponse(description="status or event_type is not one of the values listed."),
        },
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = self.endpoint(endpoint_id)
        deliveries = filter_deliveries(
            endpoint.deliveries.select_related("event", "endpoint", "replay_of"), request.query_params
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response([d.as_json() for d in page or []])


def filter_deliveries(deliveries: QuerySet[Delivery], params: Any) -> QuerySet[Delivery]:
    wanted_status = params.get("status") or ""
    if wanted_status:
        if wanted_status not in Delivery.Status.values:
            raise exceptions.ValidationError({"status": [f"Use one of: {', '.join(Delivery.Status.values)}."]})
        deliveries = deliveries.filter(status=wanted_status)
    event_type = params.get("event_type") or ""
    if event_type:
        if event_type not in SUBSCRIBABLE:
            raise exceptions.ValidationError({"event_type": [f"Use one of: {', '.join(SUBSCRIBABLE)}."]})
        deliveries = deliveries.filter(event__type=event_type)
    return deliveries


class DeliveryDetail(WebhookAPIView):
    """One delivery: the payload, the headers sent, and every attempt."""

    required_scopes = {"GET": READ}
    serializer_class = DeliverySerializer

    @extend_schema(operation_id="webhooks_delivery_retrieve", responses={200: DeliveryDetailSerializer})
    def get(self, request: Request, delivery_id: str) -> Response:
        delivery = get_object_or_404(
            Delivery.objects.for_partner(self.credential.partner).select_related("event", "endpoint", "replay_of"),
            public_id=delivery_id,
        )
        return Response(delivery_detail(delivery))


class Replay(WebhookAPIView):
    required_scopes = {"POST": WRITE}
    serializer_class = DeliverySerializer

    @extend_schema(request=None, responses={202: DeliverySerializer})
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = get_object_or_404(
            Delivery.objects.for_partner(self.credential.partner).select_related("event", "endpoint"),
            public_id=delivery_id,
        )
        replay = services.replay_delivery(delivery=delivery, by=self.credential.user, meta=self.meta())
        return Response(replay.as_json(), status=status.HTTP_202_ACCEPTED)
