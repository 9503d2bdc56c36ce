"""Typed clients for chanx WebSocket APIs (no Django needed).

The runtime that generated clients build on: :class:`ChanxClient` connects, sends typed
messages, correlates requests with their replies by ``ref``, iterates over the server's
messages, holds topic subscriptions and reconnects by the server's close codes. Importing
this package loads only the runtime, not the generators.
"""

from chanx.client.connection import ChanxClient
from chanx.client.errors import (
    AuthenticationRefused,
    ChanxClientError,
    ClientClosed,
    ConnectionClosedByServer,
    ConnectionLost,
    NoReply,
    RequestTimeout,
    ServerError,
    SubscriptionRefused,
    UnexpectedReply,
)
from chanx.client.multiplex import Multiplexing, MultiplexReady, MultiplexStream
from chanx.client.options import ClientOptions
from chanx.client.reconnect import ReconnectPolicy
from chanx.client.states import ClientState, StateChange
from chanx.client.topics import TopicHandle

__all__ = [
    "AuthenticationRefused",
    "ChanxClient",
    "ChanxClientError",
    "ClientClosed",
    "ClientOptions",
    "ClientState",
    "ConnectionClosedByServer",
    "ConnectionLost",
    "MultiplexReady",
    "MultiplexStream",
    "Multiplexing",
    "NoReply",
    "ReconnectPolicy",
    "RequestTimeout",
    "ServerError",
    "StateChange",
    "SubscriptionRefused",
    "TopicHandle",
    "UnexpectedReply",
]
