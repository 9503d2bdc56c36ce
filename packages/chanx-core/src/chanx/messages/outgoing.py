"""Built-in messages the server sends: replies, errors, authentication and completion signals.

The class docstrings become the messages' descriptions in AsyncAPI documents, which are
CommonMark: code is marked with single backticks, not reStructuredText's double ones.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from chanx.messages.base import BaseMessage


class PongMessage(BaseMessage):
    """The answer to a `PingMessage`.

    Sent only to the client that pinged, at once: a client that gets no `pong` knows the
    connection (or the server) is gone and can reconnect.
    """

    action: Literal["pong"] = "pong"
    payload: None = None


class ErrorDetail(BaseModel):
    """One problem found in a client frame, located like Pydantic locates it."""

    type: str
    loc: list[str | int]
    msg: str


class ErrorPayload(BaseModel):
    """What went wrong. `errors` lists validation problems when there are any.

    The client's input is never echoed back, so a huge or hostile frame cannot be
    reflected and nothing internal (exception text, tracebacks) leaks.
    """

    detail: str
    errors: list[ErrorDetail] | None = None


class ErrorMessage(BaseMessage):
    """Sent when a frame cannot be handled.

    The cause is bad JSON, an unknown action, an invalid payload, a rate limit or a handler
    failure (then the detail is generic and the traceback is only logged on the server). Only
    the client that sent the frame gets it, and the connection stays open.
    """

    action: Literal["error"] = "error"
    payload: ErrorPayload


class AuthenticationPayload(BaseModel):
    """The outcome of authenticating a connection, as an HTTP API would report it."""

    status_code: int
    status_text: str
    data: Any = None


class AuthenticationMessage(BaseMessage):
    """Sent once after the connection was authenticated (or refused).

    `status_code` is what an HTTP API would answer (200, 401, 403); after a refusal the
    server closes the connection with code 4000 + `status_code`.
    """

    action: Literal["authentication"] = "authentication"
    payload: AuthenticationPayload


class CompleteMessage(BaseMessage):
    """Sent after each client frame was fully handled (with `SEND_COMPLETION`).

    It follows every reply of that frame's handler, so a client (or a test) can wait for it
    instead of guessing how many messages to expect.
    """

    action: Literal["complete"] = "complete"
    payload: None = None


class GroupCompleteMessage(BaseMessage):
    """Sent after each broadcast delivered to this client (with `SEND_COMPLETION`).

    It follows the broadcast message itself, marking the end of that delivery.
    """

    action: Literal["group_complete"] = "group_complete"
    payload: None = None


class EventCompleteMessage(BaseMessage):
    """Sent after each server-side event handled for this client (with `SEND_COMPLETION`).

    It follows whatever the event handler sent, marking the end of that event.
    """

    action: Literal["event_complete"] = "event_complete"
    payload: None = None


class TopicErrorPayload(ErrorPayload):
    """What went wrong on a topic, with a `reason` a client can branch on.

    `reason` is one of `unknown_topic` (no mounted pattern matches the topic, or its
    parameters are invalid), `unauthorized` (the topic refused the subscription),
    `not_subscribed` (a frame for a topic this connection is not subscribed to) and
    `too_many_subscriptions` (the connection is at its limit); frames handled by the
    topic report other problems with no `reason`.
    """

    reason: str | None = None


class TopicErrorMessage(BaseMessage):
    """Sent when a frame on a topic cannot be handled; the connection and its other
    topics go on.

    It carries the frame's `topic` (and `ref`), so the client knows which stream failed.
    """

    action: Literal["error"] = "error"
    payload: TopicErrorPayload


class SubscribedMessage(BaseMessage):
    """The reply to a `subscribe`: the connection receives the topic's pushes from now on."""

    action: Literal["subscribed"] = "subscribed"
    payload: None = None


class UnsubscribedMessage(BaseMessage):
    """The reply to an `unsubscribe`: no more pushes of that topic reach the connection."""

    action: Literal["unsubscribed"] = "unsubscribed"
    payload: None = None


class MultiplexReadyPayload(BaseModel):
    """Which streams of a multiplexed connection can be used.

    `ready` lists the keys whose consumer has connected and joined its groups;
    `unavailable` the keys that failed to connect (most often refused by their own
    authenticator). Frames addressed to an unavailable key get an `error`.
    """

    version: int
    ready: list[str]
    unavailable: list[str]


class MultiplexReadyMessage(BaseMessage):
    """Sent once on a multiplexed connection, when every sub-consumer has finished connecting.

    It is the authoritative list of the streams the connection serves. A client that waits
    for it before sending misses no broadcast to a sub-consumer's groups.
    """

    action: Literal["multiplex_ready"] = "multiplex_ready"
    payload: MultiplexReadyPayload


class MultiplexErrorPayload(ErrorPayload):
    """An `ErrorPayload` that may name the stream it is about.

    The stream's key is under the envelope's consumer field name (`consumer` by default),
    and an unsupported envelope version is answered with the supported `version`.
    """

    model_config = ConfigDict(extra="allow")


class MultiplexErrorMessage(BaseMessage):
    """Sent, outside any envelope, when a multiplexed frame cannot be routed.

    The cause is a malformed envelope, an unsupported envelope version, a key the
    connection does not serve or whose consumer is unavailable, or a sub-consumer that
    closed its stream. The connection stays open.
    """

    action: Literal["error"] = "error"
    payload: MultiplexErrorPayload


__all__ = [
    "AuthenticationMessage",
    "AuthenticationPayload",
    "CompleteMessage",
    "ErrorDetail",
    "ErrorMessage",
    "ErrorPayload",
    "EventCompleteMessage",
    "GroupCompleteMessage",
    "MultiplexErrorMessage",
    "MultiplexErrorPayload",
    "MultiplexReadyMessage",
    "MultiplexReadyPayload",
    "PongMessage",
    "SubscribedMessage",
    "TopicErrorMessage",
    "TopicErrorPayload",
    "UnsubscribedMessage",
]
