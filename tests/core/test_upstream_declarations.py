"""Class-level declarations of upstream chanx 2.x, framework-neutral: read at class creation.

The event type parameter (``Consumer[ChatEvent]``), ``output_type=A | B`` and
``passthrough_events``, driven through the smallest adapter, one that keeps the frames it
sends in a list.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Optional, TypeVar, Union

import pytest

from chanx.core.consumer import ChanxWebsocketConsumerMixin, ConsumerOptions
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.discovery import HandlerDefinitionError
from chanx.messages.base import BaseMessage


class Ask(BaseMessage):
    action: Literal["ask"] = "ask"
    payload: str


class Answer(BaseMessage):
    action: Literal["answer"] = "answer"
    payload: str


class Refusal(BaseMessage):
    action: Literal["refusal"] = "refusal"
    payload: str


class Joined(BaseMessage):
    """Someone joined."""

    action: Literal["joined"] = "joined"
    payload: str


class Left(BaseMessage):
    action: Literal["left"] = "left"
    payload: str


class Renamed(BaseMessage):
    action: Literal["renamed"] = "renamed"
    payload: str


class Adapter(ChanxWebsocketConsumerMixin[Joined | Left]):
    """Frames go to a list instead of a socket."""

    def __init__(self, options: ConsumerOptions | None = None) -> None:
        self.sent: list[str] = []
        self.configure_chanx(options or ConsumerOptions(send_completion=True))

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    def frames(self) -> list[Any]:
        return [json.loads(text) for text in self.sent]


def test_type_parameter_is_recorded_as_the_events_the_consumer_declares() -> None:
    class Room(Adapter):
        pass

    assert Adapter.__chanx_spec__.declared_events == (Joined, Left)
    # A subclass without brackets keeps its parent's events.
    assert Room.__chanx_spec__.declared_events == (Joined, Left)


@pytest.mark.parametrize(
    "parameter",
    [Joined | Left, Union[Joined, Left]],  # noqa: UP007
    ids=["pipe", "typing.Union"],
)
def test_union_type_parameter_is_accepted_at_run_time(parameter: Any) -> None:
    class Room(ChanxWebsocketConsumerMixin[parameter]):  # type: ignore[valid-type]
        pass

    assert Room.__chanx_spec__.declared_events == (Joined, Left)


def test_unparametrised_consumer_declares_no_events() -> None:
    class Plain(ChanxWebsocketConsumerMixin):
        pass

    class Anything(ChanxWebsocketConsumerMixin[BaseMessage]):
        pass

    assert Plain.__chanx_spec__.declared_events == ()
    assert Anything.__chanx_spec__.declared_events == ()


def test_event_parameter_passes_through_a_generic_intermediate_class() -> None:
    E = TypeVar("E", bound=BaseMessage)

    class Base(ChanxWebsocketConsumerMixin[E]):
        pass

    class Room(Base[Renamed]):
        pass

    assert Base.__chanx_spec__.declared_events == ()
    assert Room.__chanx_spec__.declared_events == (Renamed,)


def test_type_parameter_that_is_not_a_message_class_is_refused() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"Wrong: the event type parameter"):

        class Wrong(ChanxWebsocketConsumerMixin[int]):  # type: ignore[type-var]
            pass


def test_accepted_events_are_the_declared_ones_then_the_handled_ones() -> None:
    class Room(ChanxWebsocketConsumerMixin[Joined]):
        @event_handler
        async def on_renamed(self, event: Renamed) -> None: ...

    assert Room.__chanx_spec__.accepted_events == [Joined, Renamed]


@pytest.mark.parametrize(
    "output",
    [Answer | Refusal, Union[Answer, Refusal], Optional[Answer | Refusal]],  # noqa: UP007, UP045
    ids=["pipe", "typing.Union", "optional"],
)
def test_union_output_type_is_accepted_on_both_decorators(output: Any) -> None:
    class Room(ChanxWebsocketConsumerMixin):
        @ws_handler(output_type=output)
        async def handle_ask(self, message: Ask) -> None: ...

        @event_handler(output_type=output)
        async def on_joined(self, event: Joined) -> None: ...

    spec = Room.__chanx_spec__
    assert spec.ws_handlers["ask"].output_types == (Answer, Refusal)
    assert spec.event_handlers["joined"].output_types == (Answer, Refusal)


def test_union_output_type_with_a_non_message_is_refused_naming_the_handler() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"Room\.handle_ask output: <class 'int'>"):

        class Room(ChanxWebsocketConsumerMixin):
            @ws_handler(output_type=Answer | int)  # type: ignore[arg-type]
            async def handle_ask(self, message: Ask) -> None: ...


class JoinsMixin:
    passthrough_events = [Joined]


class LeavesMixin:
    passthrough_events = [Left]


class Lobby(JoinsMixin, LeavesMixin, Adapter):
    passthrough_events = [Renamed]


async def test_passthrough_events_of_every_class_in_the_chain_are_forwarded_as_sent() -> None:
    lobby = Lobby()
    for event in (Joined(payload="ann"), Left(payload="bob"), Renamed(payload="cy")):
        await lobby.chanx_handle_event(event.model_dump_json())
    assert lobby.frames() == [
        {"action": "joined", "payload": "ann"},
        {"action": "event_complete", "payload": None},
        {"action": "left", "payload": "bob"},
        {"action": "event_complete", "payload": None},
        {"action": "renamed", "payload": "cy"},
        {"action": "event_complete", "payload": None},
    ]


def test_passthrough_events_are_handlers_whose_output_is_the_event() -> None:
    spec = Lobby.__chanx_spec__
    assert sorted(spec.event_handlers) == ["joined", "left", "renamed"]
    forward = spec.event_handlers["joined"]
    assert forward.name == "handle_passthrough_joined"
    assert (forward.input_type, forward.output_types) == (Joined, (Joined,))
    assert spec.event_types == [Renamed, Joined, Left]


async def test_explicit_event_handler_takes_precedence_over_passthrough() -> None:
    class Room(JoinsMixin, Adapter):
        @event_handler
        async def on_joined(self, event: Joined) -> Answer:
            return Answer(payload=f"welcome {event.payload}")

    room = Room()
    await room.chanx_handle_event(Joined(payload="ann").model_dump_json())
    assert room.frames()[0] == {"action": "answer", "payload": "welcome ann"}
    assert Room.__chanx_spec__.event_handlers["joined"].name == "on_joined"


def test_passthrough_events_must_be_message_classes() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"Room\.passthrough_events: 'joined'"):

        class Room(ChanxWebsocketConsumerMixin):
            passthrough_events = ["joined"]  # type: ignore[list-item]

    with pytest.raises(HandlerDefinitionError, match=r"must be a list of event message classes"):

        class Single(ChanxWebsocketConsumerMixin):
            passthrough_events = Joined  # type: ignore[assignment]


def test_two_passthrough_events_with_one_action_are_refused() -> None:
    class OtherJoined(BaseMessage):
        action: Literal["joined"] = "joined"
        payload: int

    with pytest.raises(HandlerDefinitionError, match=r"OtherJoined both have action 'joined'"):

        class Room(ChanxWebsocketConsumerMixin):
            passthrough_events = [Joined, OtherJoined]
