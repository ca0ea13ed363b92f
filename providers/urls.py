from django.urls import path, register_converter

from providers import views


class CqcIdConverter:
    regex = r"1-\d{9,11}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CqcIdConverter, "cqc")

app_name = "providers"
urlpatterns = [
    path("locations/", views.location_list, name="locations"),
    path("locations/<cqc:cqc_id>/", views.location_detail, name="location"),
    path("locations/<cqc:cqc_id>/contacts/add/", views.contact_edit, name="contact-add"),
    path(
        "locations/<cqc:cqc_id>/contacts/confirm/", views.contacts_confirm, name="contacts-confirm"
    ),
    path(
        "locations/<cqc:cqc_id>/contacts/<int:contact_id>/", views.contact_edit, name="contact-edit"
    ),
    path(
        "locations/<cqc:cqc_id>/contacts/<int:contact_id>/remove/",
        views.contact_remove,
        name="contact-remove",
    ),
    path("providers/<cqc:cqc_id>/", views.provider_detail, name="provider"),
    path("register/", views.register, name="register"),
    path("account/waiting/", views.awaiting_approval, name="awaiting-approval"),
    path("account/users/", views.team, name="team"),
    path("account/users/<int:user_id>/approve/", views.team_approve, name="team-approve"),
    path("account/users/<int:user_id>/turn-down/", views.team_reject, name="team-reject"),
    path("account/users/<int:user_id>/locations/", views.team_locations, name="team-locations"),
]
