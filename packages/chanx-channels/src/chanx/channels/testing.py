"""``chanx.channels.testing``: the documented home of the test utilities.

The code lives in the chanx-testing distribution (``chanx.testing``).
"""

from chanx.channels._optional import import_from_distribution

_testing = import_from_distribution("chanx.testing", "chanx-testing", __name__)
WebsocketCommunicator = _testing.WebsocketCommunicator
DjangoWebsocketCommunicator = _testing.DjangoWebsocketCommunicator
WebsocketTestCase = _testing.WebsocketTestCase

__all__ = ["DjangoWebsocketCommunicator", "WebsocketCommunicator", "WebsocketTestCase"]
