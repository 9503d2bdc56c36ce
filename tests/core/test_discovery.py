"""Handler discovery: the routing table is built once, and mistakes fail at class creation."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from chanx.core.consumer import ChanxWebsocketConsumerMixin
from chanx.core.decorators import event_handler, ws_handler
from chanx.core.discovery import HandlerDefinitionError
from chanx.messages.base import BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import ErrorMessage, PongMessage


class Hello(BaseMessage):
    action: Literal["hello"] = "hello"
    payload: str


class Greeting(BaseMessage):
    action: Literal["greeting"] = "greeting"
    payload: str


class Multi(BaseMessage):
    action: Literal["a", "b"] = "a"
    payload: None = None


class NotLiteral(BaseMessage):
    action: str = "free"


class Tick(BaseMessage):
    action: Literal["tick"] = "tick"
    payload: int


class Base(ChanxWebsocketConsumerMixin):
    @ws_handler(summary="Answer a ping", tags=["health"])
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_hello(self, message: Hello) -> Greeting | ErrorMessage | None:
        """Say hello.

        Replies with a greeting.
        """
        return Greeting(payload=message.payload)

    @event_handler(output_type=[Greeting])
    async def on_tick(self, event: Tick) -> Any:
        return None


def test_table_maps_actions_to_handlers_and_reads_types_from_annotations() -> None:
    spec = Base.__chanx_spec__
    assert set(spec.ws_handlers) == {"ping", "hello"}
    assert set(spec.event_handlers) == {"tick"}
    hello = spec.ws_handlers["hello"]
    assert hello.input_type is Hello
    assert hello.output_types == (Greeting, ErrorMessage)
    assert hello.summary == "Say hello."
    assert hello.description == "Replies with a greeting."
    ping = spec.ws_handlers["ping"]
    assert (ping.summary, ping.tags, ping.output_types) == (
        "Answer a ping",
        ("health",),
        (PongMessage,),
    )
    assert spec.event_handlers["tick"].output_types == (Greeting,)
    assert spec.incoming_types == [PingMessage, Hello]
    assert spec.event_types == [Tick]


def test_one_adapter_validates_the_whole_union_from_text() -> None:
    adapter = Base.__chanx_spec__.incoming_adapter
    assert adapter is not None
    assert adapter.validate_json('{"action":"hello","payload":"x"}') == Hello(payload="x")
    assert isinstance(adapter.validate_json('{"action":"ping"}'), PingMessage)


def test_subclass_inherits_and_overrides_by_name_even_without_decorator() -> None:
    class Child(Base):
        async def handle_hello(self, message: Hello) -> Greeting:
            return Greeting(payload="child")

        @ws_handler
        async def handle_multi(self, message: Multi) -> None:
            return None

    spec = Child.__chanx_spec__
    assert spec.ws_handlers["hello"].func is Child.handle_hello
    assert spec.ws_handlers["ping"].func is Base.handle_ping
    assert spec.ws_handlers["a"] is spec.ws_handlers["b"]
    assert Base.__chanx_spec__.ws_handlers["hello"].func is Base.handle_hello


def test_handler_without_annotation_is_refused_with_the_fix() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"Bad\.handle_x: annotate its message"):

        class Bad(ChanxWebsocketConsumerMixin):
            @ws_handler
            async def handle_x(self, message):  # type: ignore[no-untyped-def]
                return None


def test_input_type_option_replaces_the_annotation() -> None:
    class Explicit(ChanxWebsocketConsumerMixin):
        @ws_handler(input_type=Hello)
        async def handle_x(self, message):  # type: ignore[no-untyped-def]
            return None

    assert Explicit.__chanx_spec__.ws_handlers["hello"].input_type is Hello


def test_two_handlers_for_one_action_are_refused() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"Twice\.one and \S*Twice\.two both handle"):

        class Twice(ChanxWebsocketConsumerMixin):
            @ws_handler
            async def one(self, message: Hello) -> None: ...

            @ws_handler
            async def two(self, message: Hello) -> None: ...


def test_message_whose_action_is_not_a_literal_is_refused() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"NotLiteral\.action must be a Literal"):

        class Loose(ChanxWebsocketConsumerMixin):
            @ws_handler
            async def handle(self, message: NotLiteral) -> None: ...


def test_sync_handler_is_refused_with_advice() -> None:
    with pytest.raises(
        HandlerDefinitionError, match=r"must be `async def`.*database_sync_to_async"
    ):

        class Sync(ChanxWebsocketConsumerMixin):
            @ws_handler
            def handle(self, message: Hello) -> None: ...  # type: ignore[misc]


def test_action_option_must_belong_to_the_input_type() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"action='nope' is not an action of Hello"):

        class Wrong(ChanxWebsocketConsumerMixin):
            @ws_handler(action="nope")
            async def handle(self, message: Hello) -> None: ...

    class Narrow(ChanxWebsocketConsumerMixin):
        @ws_handler(action="b")
        async def handle(self, message: Multi) -> None: ...

    assert set(Narrow.__chanx_spec__.ws_handlers) == {"b"}


def test_return_annotation_that_is_not_a_message_is_refused() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"return annotation"):

        class Ret(ChanxWebsocketConsumerMixin):
            @ws_handler
            async def handle(self, message: Hello) -> int:
                return 1


def test_unresolvable_forward_reference_is_explained() -> None:
    with pytest.raises(HandlerDefinitionError, match=r"type hints cannot be resolved"):

        class Fwd(ChanxWebsocketConsumerMixin):
            @ws_handler
            async def handle(self, message: DoesNotExist) -> None: ...  # type: ignore[name-defined]  # noqa: F821


def test_consumer_without_handlers_has_no_adapter() -> None:
    class Empty(ChanxWebsocketConsumerMixin):
        pass

    assert Empty.__chanx_spec__.incoming_adapter is None
    assert Empty.__chanx_spec__.handlers == []


@pytest.mark.parametrize(
    ("name", "decorator", "what"),
    [
        ("chanx_handle_frame", ws_handler, "method"),
        ("chanx_handle_broadcast", ws_handler, "method"),
        ("chanx_handle_event", event_handler, "method"),
        ("send_message", event_handler, "method"),
        ("send_text", ws_handler, "method"),
        ("max_pending_frames", ws_handler, "attribute"),
    ],
)
def test_handler_named_like_a_consumer_method_is_refused_with_the_fix(
    name: str, decorator: Any, what: str
) -> None:
    async def handle(self: Any, message: Hello) -> None: ...

    expected = (
        rf"Taken\.{name}: this @\w+ would replace "
        rf"chanx\.core\.consumer\.ChanxWebsocketConsumerMixin\.{name}, a {what} the consumer "
        r"itself relies on.*Rename the handler: the action it handles comes from its "
        r"message type .* not from the method name"
    )
    with pytest.raises(HandlerDefinitionError, match=expected):
        type("Taken", (ChanxWebsocketConsumerMixin,), {name: decorator(handle)})


def test_handler_replacing_a_helper_of_a_base_class_is_refused() -> None:
    class Helpers(ChanxWebsocketConsumerMixin):
        async def greet(self) -> None: ...

    with pytest.raises(HandlerDefinitionError, match=r"Shadow\.greet: .*Helpers\.greet"):

        class Shadow(Helpers):
            @ws_handler
            async def greet(self, message: Hello) -> None: ...  # type: ignore[override]


def test_handler_overriding_a_parent_handler_and_plain_overrides_are_allowed() -> None:
    class Redecorated(Base):
        @ws_handler(summary="Hello again")
        async def handle_hello(self, message: Hello) -> Greeting:
            return Greeting(payload="again")

    class Plain(Redecorated):
        async def handle_hello(self, message: Hello) -> Greeting:
            return Greeting(payload="plain")

    class DecoratedAfterPlain(Plain):
        @ws_handler
        async def handle_hello(self, message: Hello) -> Greeting:
            return Greeting(payload="last")

    class OwnBroadcast(Base):
        async def chanx_handle_broadcast(self, text: str, action: str) -> None: ...

    assert Redecorated.__chanx_spec__.ws_handlers["hello"].summary == "Hello again"
    assert Plain.__chanx_spec__.ws_handlers["hello"].func is Plain.handle_hello
    last = DecoratedAfterPlain.__chanx_spec__.ws_handlers["hello"]
    assert last.func is DecoratedAfterPlain.handle_hello
    assert set(OwnBroadcast.__chanx_spec__.ws_handlers) == {"ping", "hello"}
