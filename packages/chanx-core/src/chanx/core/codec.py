"""Turning frames into messages and messages into frames.

The default wire format (``action`` key, snake_case) takes the fast path: Pydantic
validates the frame's text directly (``validate_json``) and serializes a reply directly
(``model_dump_json``), so a frame is parsed once and a reply encoded once. A renamed
action key or ``CAMELIZE`` needs the keys rewritten, which goes through Python objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chanx.core.wire import DEFAULT_ACTION_KEY
from chanx.messages.base import BaseMessage
from chanx.messages.outgoing import (
    CompleteMessage,
    ErrorDetail,
    ErrorPayload,
    EventCompleteMessage,
    GroupCompleteMessage,
)

_MAX_ERRORS = 20
_MAX_MSG_CHARS = 200

UNKNOWN_ACTION = "Unknown or missing action"
"""``detail`` of the error for a frame whose action is missing, unknown or unreadable."""

# What Pydantic reports at the root of an input that is not an object: `dict_type` when a
# discriminated union parses JSON, `model_attributes_type` when it is given Python data,
# `model_type` when a plain model (not a union) is validated.
_NOT_AN_OBJECT = frozenset({"dict_type", "model_attributes_type", "model_type"})

DEFAULT_MAX_DEPTH = 32
"""Deepest nesting of JSON objects and arrays a frame may have."""

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_TO_PARENS = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def nests_deeper_than(text: str | bytes, limit: int) -> bool:
    """Whether the JSON text nests objects/arrays more than ``limit`` levels deep.

    Built to cost almost nothing for ordinary frames, in C-speed string operations: a
    frame with no more opening brackets than ``limit`` cannot be too deep; otherwise its
    brackets are peeled one innermost level at a time, and a frame whose brackets are
    gone within ``limit`` passes is shallow enough. Only frames that survive that (deep,
    or with brackets inside strings) get the exact count, with strings removed.
    """
    if isinstance(text, str):
        if text.count("{") + text.count("[") <= limit:
            return False
        raw = text.encode("utf-8", "surrogatepass")
    else:
        if text.count(b"{") + text.count(b"[") <= limit:
            return False
        raw = text
    shape = raw.translate(_TO_PARENS, _NOT_BRACKETS)
    for _ in range(limit):
        peeled = shape.replace(b"()", b"")
        if not peeled:
            return False
        if len(peeled) == len(shape):
            break
        shape = peeled
    exact = _BRACKETS.findall(_STRINGS.sub("", raw.decode("utf-8", "replace")))
    return max(accumulate(_STEP[b] for b in exact), default=0) > limit


class FrameError(Exception):
    """A client frame that cannot become a message; ``payload`` says why, for the client."""

    def __init__(self, payload: ErrorPayload) -> None:
        super().__init__(payload.detail)
        self.payload = payload


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MSG_CHARS else text[: _MAX_MSG_CHARS - 1] + "…"


def not_an_object_payload(action_key: str = DEFAULT_ACTION_KEY) -> ErrorPayload:
    """The error for valid JSON that is not an object (``[1, 2]``, ``"x"``, ``3``).

    Such a frame has no action to read, so it gets the error of a frame without one,
    whatever the consumer's handlers and settings.
    """
    return ErrorPayload(
        detail=UNKNOWN_ACTION,
        errors=[
            ErrorDetail(
                type="union_tag_not_found",
                loc=[],
                msg=f"Input should be a JSON object with the key {action_key!r}",
            )
        ],
    )


def validation_error_payload(
    error: ValidationError, *, action_key: str = DEFAULT_ACTION_KEY
) -> ErrorPayload:
    """Describe a validation failure without echoing the (possibly huge) input back."""
    details = [
        ErrorDetail(
            type=item["type"],
            loc=[part if isinstance(part, int) else _clip(str(part)) for part in item["loc"]],
            msg=_clip(item["msg"]),
        )
        for item in error.errors(include_url=False, include_context=False, include_input=False)[
            :_MAX_ERRORS
        ]
    ]
    kinds = {d.type for d in details}
    if "json_invalid" in kinds:
        detail = "Frame is not valid JSON"
    elif any(not d.loc and d.type in _NOT_AN_OBJECT for d in details):
        return not_an_object_payload(action_key)
    elif kinds & {"union_tag_not_found", "union_tag_invalid"} or any(
        d.loc[:1] == ["action"] for d in details
    ):
        detail = UNKNOWN_ACTION
    else:
        detail = "Message validation failed"
    return ErrorPayload(detail=detail, errors=details)


def _load_humps() -> Any:
    try:
        import humps
    except ImportError as exc:
        raise ImportError(
            "CAMELIZE needs the pyhumps package: pip install 'chanx-core[camel-case]'"
        ) from exc
    return humps


class MessageCodec:
    """Decodes client frames against one consumer's messages and encodes outgoing messages.

    One codec exists per (consumer class, action key, camelize) and is reused by every
    connection, so nothing here is rebuilt per frame.
    """

    def __init__(
        self,
        incoming: TypeAdapter[BaseMessage] | None,
        *,
        action_key: str = DEFAULT_ACTION_KEY,
        camelize: bool = False,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self.incoming = incoming
        self.max_depth = max_depth
        self.action_key = action_key
        self.camelize = camelize
        self.fast = action_key == DEFAULT_ACTION_KEY and not camelize
        humps = _load_humps() if camelize else None
        self._to_wire: Callable[[Any], Any] | None = humps.camelize if humps else None
        self._from_wire: Callable[[Any], Any] | None = humps.decamelize if humps else None
        self.complete_text = self.encode(CompleteMessage())
        self.group_complete_text = self.encode(GroupCompleteMessage())
        self.event_complete_text = self.encode(EventCompleteMessage())

    def decode(self, text: str | bytes) -> BaseMessage:
        """Parse and validate one frame; raise :class:`FrameError` describing any problem."""
        # The checks of _incoming_or_refuse and _refuse_too_deep, inline: this runs per frame.
        incoming = self.incoming
        if incoming is None:
            raise FrameError(ErrorPayload(detail="This endpoint accepts no messages"))
        if nests_deeper_than(text, self.max_depth):
            raise FrameError(
                ErrorPayload(detail=f"Frame nests deeper than {self.max_depth} levels")
            )
        try:
            if self.fast:
                return incoming.validate_json(text)
            return incoming.validate_python(self._to_python_keys(self._parse_object(text)))
        except ValidationError as exc:
            # Only failed frames get here: classifying the failure costs a valid frame nothing.
            raise FrameError(validation_error_payload(exc, action_key=self.action_key)) from None

    def parse(self, text: str | bytes) -> dict[str, Any]:
        """Parse a frame into a JSON object without validating it as a message.

        For frames whose routing keys (``ref``, ``topic``) must be read first; finish
        with :meth:`decode_object`. Raises :class:`FrameError` like :meth:`decode`.
        """
        self._refuse_too_deep(text)
        return self._parse_object(text)

    def decode_object(self, data: dict[str, Any]) -> BaseMessage:
        """Validate a frame :meth:`parse` returned (its routing keys removed)."""
        incoming = self._incoming_or_refuse()
        try:
            return incoming.validate_python(self._to_python_keys(data))
        except ValidationError as exc:
            raise FrameError(validation_error_payload(exc, action_key=self.action_key)) from None

    def _incoming_or_refuse(self) -> TypeAdapter[BaseMessage]:
        if self.incoming is None:
            raise FrameError(ErrorPayload(detail="This endpoint accepts no messages"))
        return self.incoming

    def _refuse_too_deep(self, text: str | bytes) -> None:
        if nests_deeper_than(text, self.max_depth):
            raise FrameError(
                ErrorPayload(detail=f"Frame nests deeper than {self.max_depth} levels")
            )

    def _parse_object(self, text: str | bytes) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except ValueError:
            raise FrameError(
                ErrorPayload(
                    detail="Frame is not valid JSON",
                    errors=[ErrorDetail(type="json_invalid", loc=[], msg="Invalid JSON")],
                )
            ) from None
        if not isinstance(data, dict):
            raise FrameError(not_an_object_payload(self.action_key))
        return data

    def _to_python_keys(self, data: dict[str, Any]) -> Any:
        """The frame's keys as the message classes name them (snake_case, ``action``)."""
        if self.fast:
            return data
        if self._from_wire is not None:
            data = self._from_wire(data)
        if self.action_key != DEFAULT_ACTION_KEY:
            if DEFAULT_ACTION_KEY in data:
                raise FrameError(
                    ErrorPayload(
                        detail=f"Unknown key {DEFAULT_ACTION_KEY!r}: name the action with "
                        f"{self.action_key!r}"
                    )
                )
            if self.action_key in data:
                data[DEFAULT_ACTION_KEY] = data.pop(self.action_key)
        return data

    def encode(self, message: BaseMessage) -> str:
        """Serialize a message to the text of one frame."""
        if self.fast:
            return message.model_dump_json()
        data = message.model_dump(mode="json")
        if self._to_wire is not None:
            data = self._to_wire(data)
        if self.action_key != DEFAULT_ACTION_KEY:
            data = {self.action_key: data.pop(DEFAULT_ACTION_KEY), **data}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


__all__ = [
    "UNKNOWN_ACTION",
    "FrameError",
    "MessageCodec",
    "not_an_object_payload",
    "validation_error_payload",
]
