from django.urls import path, register_converter

from lib.ids import IdConverter, id_regex
from webhooks import api, views
from webhooks.models import DELIVERY_ID_PREFIX, ENDPOINT_ID_PREFIX


class EndpointId(IdConverter):
    regex = id_regex(ENDPOINT_ID_PREFIX)


class DeliveryId(IdConverter):
    regex = id_regex(DELIVERY_ID_PREFIX)


# Typed ids keep the routes apart: /webhooks/deliveries/test is no endpoint's test (a 404).
register_converter(EndpointId, "endpoint_id")
register_converter(DeliveryId, "delivery_id")

app_name = "webhooks"

urlpatterns = [
    path("webhooks", api.EndpointList.as_view(), name="api-list"),
    path("webhooks/deliveries/<delivery_id:delivery_id>", api.DeliveryDetail.as_view(), name="api-delivery"),
    path("webhooks/deliveries/<delivery_id:delivery_id>/replay", api.Replay.as_view(), name="api-replay"),
    path("webhooks/<endpoint_id:endpoint_id>", api.EndpointDetail.as_view(), name="api-detail"),
    path("webhooks/<endpoint_id:endpoint_id>/rotate-secret", api.RotateSecret.as_view(), name="api-rotate"),
    path("webhooks/<endpoint_id:endpoint_id>/test", api.SendTest.as_view(), name="api-test"),
    path("webhooks/<endpoint_id:endpoint_id>/recover", api.Recover.as_view(), name="api-recover"),
    path("webhooks/<endpoint_id:endpoint_id>/deliveries", api.DeliveryList.as_view(), name="api-deliveries"),
    path("dashboard/webhooks/", views.endpoint_list, name="list"),
    path("dashboard/webhooks/deliveries/<delivery_id:delivery_id>/", views.delivery_detail, name="delivery"),
    path("dashboard/webhooks/deliveries/<delivery_id:delivery_id>/replay/", views.delivery_replay, name="replay"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/disable/", views.endpoint_disable, name="disable"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/enable/", views.endpoint_enable, name="enable"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/test/", views.endpoint_test, name="test"),
    path("dashboard/webhooks/<endpoint_id:endpoint_id>/recover/", views.endpoint_recover, name="recover"),
]
