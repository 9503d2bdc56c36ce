"""chanx.testing: test WebSocket consumers through the messages they declare.

* :class:`WebsocketCommunicator`: Channels' communicator plus ``send_message`` and
  ``receive_all_messages`` (typed, validated against the consumer's outgoing messages).
* :class:`DjangoWebsocketCommunicator`: adds the authentication handshake
  (``wait_for_auth``, ``assert_authenticated_status_ok``, ``assert_refused``).
* :class:`WebsocketTestCase`: a Django ``TransactionTestCase`` that finds the
  application and consumer from the project's routing and closes every communicator.
* ``chanx.testing.pytest_plugin``: opt-in pytest fixtures
  (``pytest_plugins = ["chanx.testing.pytest_plugin"]``).

Run tests with ``CHANX = {"SEND_COMPLETION": True}``: collecting a reply then waits for
the consumer's completion signal, rather than for it to go quiet.
"""

from chanx.testing.communicator import WebsocketCommunicator
from chanx.testing.django_communicator import DjangoWebsocketCommunicator
from chanx.testing.testcase import WebsocketTestCase

__all__ = ["DjangoWebsocketCommunicator", "WebsocketCommunicator", "WebsocketTestCase"]
