"""``chanx.channels.authenticator``: the documented home of ``DjangoAuthenticator``.

The code lives in the chanx-drf distribution (``chanx.drf``), so installing chanx-channels
alone does not pull in Django REST framework.
"""

from chanx.channels._optional import import_from_distribution

_drf = import_from_distribution("chanx.drf", "chanx-drf", __name__)
DjangoAuthenticator = _drf.DjangoAuthenticator
ChanxAuthView = _drf.ChanxAuthView

__all__ = ["ChanxAuthView", "DjangoAuthenticator"]
