"""The base class of every chanx message.

A message is a Pydantic model with two fields on the wire: an ``action`` that names
what the message is (always a ``Literal``, so it can discriminate a union of
messages) and a ``payload`` of any type Pydantic can validate.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class BaseMessage(BaseModel):
    """Base class for incoming, outgoing and event messages.

    Subclasses narrow ``action`` to a ``Literal`` with a default, and type ``payload``::

        class ChatPayload(BaseModel):
            text: str

        class ChatMessage(BaseMessage):
            action: Literal["chat"] = "chat"
            payload: ChatPayload

    The ``Literal`` is what lets chanx route a frame to its handler and validate the
    whole frame in one pass; a subclass whose ``action`` is not a ``Literal`` is
    refused when a consumer that uses it is defined.
    """

    # Frames carry user text that is rarely repeated: caching only keys when parsing JSON
    # keeps pydantic's process-wide string cache from filling with it (~1 MB) and is faster.
    model_config = ConfigDict(extra="forbid", cache_strings="keys")

    action: Any
    payload: Any = None
