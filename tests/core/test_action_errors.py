"""A frame without a routable action gets one error shape, however many handlers a consumer has."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from chanx.core.consumer import ChanxWebsocketConsumerMixin, ConsumerOptions
from chanx.core.decorators import ws_handler
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage


class Text(BaseModel):
    text: str


class Say(BaseMessage):
    action: Literal["say"] = "say"
    payload: Text


class Said(BaseMessage):
    action: Literal["said"] = "said"
    payload: Text


class _ListConsumer(ChanxWebsocketConsumerMixin):
    """Frames go to a list instead of a socket."""

    def __init__(self, options: ConsumerOptions) -> None:
        self.sent: list[str] = []
        self.configure_chanx(options)

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def answer(self, frame: str) -> dict[str, Any]:
        """The one frame the consumer sends back for ``frame``."""
        self.sent.clear()
        await self.chanx_handle_frame(frame)
        assert len(self.sent) == 1, self.sent
        reply: dict[str, Any] = json.loads(self.sent[0])
        return reply


class OneHandler(_ListConsumer):
    @ws_handler
    async def handle_say(self, message: Say) -> Said:
        return Said(payload=message.payload)


class TwoHandlers(_ListConsumer):
    @ws_handler
    async def handle_say(self, message: Say) -> Said:
        return Said(payload=message.payload)

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()


OPTIONS = [
    pytest.param(ConsumerOptions(), id="default wire format"),
    pytest.param(ConsumerOptions(action_key="type"), id="renamed action key"),
]


def _wire(frame: str, options: ConsumerOptions) -> str:
    return frame.replace('"action"', json.dumps(options.action_key))


def _shape(reply: dict[str, Any]) -> tuple[str, list[tuple[str, list[Any]]]]:
    """What a client can branch on: the detail, and each error's type and location."""
    errors = reply["payload"]["errors"] or []
    return reply["payload"]["detail"], [(error["type"], error["loc"]) for error in errors]


@pytest.mark.parametrize("options", OPTIONS)
async def test_unknown_action_gets_the_same_error_from_one_handler_as_from_two(
    options: ConsumerOptions,
) -> None:
    frame = _wire('{"action": "shout", "payload": {"text": "hi"}}', options)
    one = await OneHandler(options).answer(frame)
    two = await TwoHandlers(options).answer(frame)
    key = options.action_key
    assert one[key] == two[key] == "error"
    assert _shape(one) == _shape(two) == ("Unknown or missing action", [("union_tag_invalid", [])])
    assert "'shout'" in one["payload"]["errors"][0]["msg"]


@pytest.mark.parametrize("options", OPTIONS)
async def test_missing_action_is_refused_by_one_handler_as_by_two(
    options: ConsumerOptions,
) -> None:
    # The message class has a default action, yet a frame must still name it.
    frame = '{"payload": {"text": "hi"}}'
    one = await OneHandler(options).answer(frame)
    two = await TwoHandlers(options).answer(frame)
    assert (
        _shape(one) == _shape(two) == ("Unknown or missing action", [("union_tag_not_found", [])])
    )


@pytest.mark.parametrize("options", OPTIONS)
async def test_invalid_payload_errors_are_located_alike_with_one_handler_or_two(
    options: ConsumerOptions,
) -> None:
    frame = _wire('{"action": "say", "payload": {"text": 5}}', options)
    one = await OneHandler(options).answer(frame)
    two = await TwoHandlers(options).answer(frame)
    assert (
        _shape(one)
        == _shape(two)
        == (
            "Message validation failed",
            [("string_type", ["say", "payload", "text"])],
        )
    )


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("consumer_class", [OneHandler, TwoHandlers])
@pytest.mark.parametrize("frame", ["[1, 2]", '"say"', "3", "null"])
async def test_json_that_is_not_an_object_gets_unknown_or_missing_action(
    frame: str, consumer_class: type[_ListConsumer], options: ConsumerOptions
) -> None:
    consumer = consumer_class(options)
    reply = await consumer.answer(frame)
    assert _shape(reply) == ("Unknown or missing action", [("union_tag_not_found", [])])
    # The connection goes on: the next good frame is handled.
    good = _wire('{"action": "say", "payload": {"text": "ok"}}', options)
    assert await consumer.answer(good) == {options.action_key: "said", "payload": {"text": "ok"}}
