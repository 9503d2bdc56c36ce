"""chanx.drf: Django REST framework authentication for chanx WebSocket consumers.

:class:`DjangoAuthenticator` runs a connection's handshake through DRF's authentication,
permission and throttle classes, with the same outcomes (200, 401, 403, 404) a REST call
would get; :class:`ChanxAuthView` is the check-only view it dispatches by default.
"""

from chanx.drf.authenticator import DjangoAuthenticator
from chanx.drf.views import ChanxAuthView

__all__ = ["ChanxAuthView", "DjangoAuthenticator"]
