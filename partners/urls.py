from django.urls import path

from partners import team_views, views

app_name = "partners"

urlpatterns = [
    path("partners/types/", views.partner_types, name="types"),
    path("dashboard/application/", views.application, name="application"),
    path("dashboard/application/edit/", views.application_edit, name="application-edit"),
    path("dashboard/switch/", views.switch_partner, name="switch"),
    path("dashboard/team/", team_views.team_page, name="team"),
    path("dashboard/team/<int:member_id>/role/", team_views.member_role, name="member-role"),
    path("dashboard/team/<int:member_id>/remove/", team_views.member_remove, name="member-remove"),
    path(
        "dashboard/team/invitations/<int:invitation_id>/revoke/", team_views.invitation_revoke, name="invitation-revoke"
    ),
    path("invitations/<str:token>/", team_views.invitation_accept, name="invitation"),
]
