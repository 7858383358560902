from django.urls import path

from webhooks import api, views

app_name = "webhooks"

urlpatterns = [
    path("webhooks", api.EndpointList.as_view(), name="api-list"),
    path("webhooks/deliveries/<str:delivery_id>", api.DeliveryDetail.as_view(), name="api-delivery"),
    path("webhooks/deliveries/<str:delivery_id>/replay", api.Replay.as_view(), name="api-replay"),
    path("webhooks/<str:endpoint_id>", api.EndpointDetail.as_view(), name="api-detail"),
    path("webhooks/<str:endpoint_id>/rotate-secret", api.RotateSecret.as_view(), name="api-rotate"),
    path("webhooks/<str:endpoint_id>/test", api.SendTest.as_view(), name="api-test"),
    path("webhooks/<str:endpoint_id>/recover", api.Recover.as_view(), name="api-recover"),
    path("webhooks/<str:endpoint_id>/deliveries", api.DeliveryList.as_view(), name="api-deliveries"),
    path("dashboard/webhooks/", views.endpoint_list, name="list"),
    path("dashboard/webhooks/deliveries/<str:delivery_id>/", views.delivery_detail, name="delivery"),
    path("dashboard/webhooks/deliveries/<str:delivery_id>/replay/", views.delivery_replay, name="replay"),
    path("dashboard/webhooks/<str:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("dashboard/webhooks/<str:endpoint_id>/rotate/", views.endpoint_rotate, name="rotate"),
    path("dashboard/webhooks/<str:endpoint_id>/disable/", views.endpoint_disable, name="disable"),
    path("dashboard/webhooks/<str:endpoint_id>/enable/", views.endpoint_enable, name="enable"),
    path("dashboard/webhooks/<str:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("dashboard/webhooks/<str:endpoint_id>/test/", views.endpoint_test, name="test"),
    path("dashboard/webhooks/<str:endpoint_id>/recover/", views.endpoint_recover, name="recover"),
]
