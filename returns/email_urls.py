from django.urls import path

from returns.email_link_views import email_link

urlpatterns = [path("quick/<str:token>/", email_link, name="email-link")]
