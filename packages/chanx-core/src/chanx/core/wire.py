"""The wire format, defined once.

Every key and message type that crosses a process boundary is named here: the JSON
keys of a client frame and the ``type`` of the channel-layer messages chanx uses for
broadcasts and events. The schema generator reads the same names.
"""

from __future__ import annotations

from typing import Final

DEFAULT_ACTION_KEY: Final = "action"
"""The JSON key that names a message's action (``MESSAGE_ACTION_KEY`` may rename it)."""

PAYLOAD_KEY: Final = "payload"
"""The JSON key of a message's payload."""

BROADCAST_TYPE: Final = "chanx.broadcast"
"""Channel-layer type of a group broadcast: carries one already-encoded frame."""

EVENT_TYPE: Final = "chanx.event"
"""Channel-layer type of a server-side event, handled by an ``@event_handler``."""

BROADCAST_TEXT_KEY: Final = "text"
"""Key of the encoded frame inside a broadcast or event channel-layer message."""

BROADCAST_SENDER_KEY: Final = "sender"
"""Key naming the channel that sent a broadcast."""

BROADCAST_EXCLUDE_KEY: Final = "exclude"
"""Key saying the sender must not receive its own broadcast (``exclude_current``)."""

BROADCAST_GROUP_KEY: Final = "group"
"""Key naming the group a broadcast or event was sent to."""

BROADCAST_NUMBER_KEY: Final = "number"
"""Key of a broadcast's or event's number in its sender's sequence for that group.

Receivers notice messages the layer dropped from gaps in these numbers
(``chanx.channels.gaps``).
"""

BROADCAST_ACTION_KEY: Final = "action"
"""Key of a broadcast's action, so receivers can log it without decoding the text."""

COMPLETE_ACTION: Final = "complete"
"""Action of the signal sent after a client frame was fully handled (``SEND_COMPLETION``)."""

GROUP_COMPLETE_ACTION: Final = "group_complete"
"""Action of the signal sent after a broadcast was delivered to a client (``SEND_COMPLETION``)."""

EVENT_COMPLETE_ACTION: Final = "event_complete"
"""Action of the signal sent after a server-side event was handled (``SEND_COMPLETION``)."""

ENVELOPE_VERSION: Final = 1
"""The envelope version this server speaks (``version`` on topic frames)."""

REF_KEY: Final = "ref"
"""Key of a client's correlation id: every reply to that frame carries it back."""

TOPIC_KEY: Final = "topic"
"""Key naming the topic a frame belongs to; absent for the consumer's own frames."""

VERSION_KEY: Final = "version"
"""Key of the envelope version, sent on topic frames and accepted on any frame."""

SEQ_KEY: Final = "seq"
"""Key of a publisher-assigned sequence number on a topic push (gap detection only)."""

MAX_REF_LENGTH: Final = 64
"""Longest ``ref`` accepted, in characters (a string) or digits (an integer)."""

SUBSCRIBE_ACTION: Final = "subscribe"
"""Action of a client frame asking to subscribe to its ``topic``."""

UNSUBSCRIBE_ACTION: Final = "unsubscribe"
"""Action of a client frame asking to leave its ``topic``."""

SUBSCRIBED_ACTION: Final = "subscribed"
"""Action of the reply confirming a subscription."""

UNSUBSCRIBED_ACTION: Final = "unsubscribed"
"""Action of the reply confirming an unsubscription."""
