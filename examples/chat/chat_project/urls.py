"""HTTP routes: the chat and hub pages, login, the admin, announcements and (with chanx-asyncapi)
the API docs."""

from __future__ import annotations

from chat import views
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import URLPattern, URLResolver, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ChatPageView.as_view(), name="chat"),
    path("hub/", views.HubPageView.as_view(), name="hub"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("announce/<str:room>/", views.AnnounceView.as_view(), name="announce"),
    path("admin/", admin.site.urls),
]

if settings.HAS_ASYNCAPI:
    from chanx.asyncapi.views import AsyncAPIDocsView, AsyncAPISchemaView

    urlpatterns += [
        path("asyncapi/schema/", AsyncAPISchemaView.as_view(), name="asyncapi-schema"),
        path("asyncapi/docs/", AsyncAPIDocsView.as_view(), name="asyncapi-docs"),
    ]

urlpatterns += staticfiles_urlpatterns()
