"""The quickstart's ``myproject/asgi.py``: Django answers HTTP, the echo router WebSockets."""

# --8<-- [start:asgi]
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")
# Set Django up before importing consumers: they may import models.
http_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter

from docs.snippets.quickstart import router  # in your project: from myproject.routing

application = ProtocolTypeRouter({"http": http_application, "websocket": router})
# --8<-- [end:asgi]
