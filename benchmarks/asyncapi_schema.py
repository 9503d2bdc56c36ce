"""``python -m benchmarks.asyncapi_schema``: the cost of generating and serving AsyncAPI docs.

The project is built in this process: 50 chanx consumers with 10 ``@ws_handler`` methods
each (500 incoming and 500 outgoing message classes made with ``pydantic.create_model``,
``Literal`` actions, payloads partly shared between consumers and partly their own),
routed by a ``URLRouter`` behind ``AllowedHostsOriginValidator`` in the
``ProtocolTypeRouter`` that ``ASGI_APPLICATION`` names. Measured, in CPU time
(``time.process_time``), median over the repetitions:

* **cold**: ``generate_asyncapi_schema(request)`` with the document cache cleared, i.e.
  walking the routing and generating the whole document;
* **cached**: the same call once the document is cached (a deep copy of it);
* **after a settings change**: the first call under ``override_settings(CHANX={...,
  "ASYNCAPI_TITLE": "x"})``, with the default document cached: the new title must show,
  so the cache cannot have served the old document;
* **JSON / YAML**: a GET of ``AsyncAPISchemaView`` (``?format=json`` / ``?format=yaml``)
  through Django's test client, document cached, so mostly serialization.

The document is checked once, outside the clock, against the AsyncAPI 3.0.0 JSON Schema
bundled in ``chanx.asyncapi`` (needs ``jsonschema``); the JSON and YAML answers are parsed
back and compared with it.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, Literal

from benchmarks import use_checkout_packages_unless

use_checkout_packages_unless("chanx.asyncapi")

CONSUMERS = 50
HANDLERS = 10
BASE_CHANX: dict[str, Any] = {"SEND_COMPLETION": False, "LOG_WEBSOCKET_MESSAGE": False}

application: Any = None
"""The project's ASGI application, built by :func:`_build_application` (``ASGI_APPLICATION``)."""

urlpatterns: list[Any] = []
"""This module is also the URLconf: the schema view, filled in by :func:`_configure`."""


def _configure() -> None:
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="benchmarks-only",
        INSTALLED_APPS=["chanx.channels", "chanx.asyncapi"],
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        ASGI_APPLICATION=f"{__name__}.application",
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        CHANX=dict(BASE_CHANX),
        USE_TZ=True,
    )
    django.setup()
    from django.urls import path

    from chanx.channels.views import AsyncAPISchemaView

    urlpatterns[:] = [path("asyncapi/schema/", AsyncAPISchemaView.as_view())]


def _shared_payloads() -> list[type[Any]]:
    """Payload models several consumers use, nested ones included."""
    from pydantic import BaseModel, Field

    class Text(BaseModel):
        text: str = Field(description="What was said.")

    class Item(BaseModel):
        name: str
        quantity: int = Field(ge=1)
        price: float
        tags: list[str] = []

    class Order(BaseModel):
        reference: str
        items: list[Item]
        note: str | None = None

    class Location(BaseModel):
        latitude: float
        longitude: float
        label: str | None = None

    class Page(BaseModel):
        cursor: str | None = None
        size: int = 20

    return [Text, Order, Location, Page]


def _handler(incoming: type[Any], outgoing: type[Any], name: str) -> Callable[..., Any]:
    """An ``async def name(self, message: incoming) -> outgoing`` echoing the payload."""

    async def handle(self: Any, message: Any) -> Any:
        return outgoing(payload=message.payload)

    # Evaluated annotations, as a handler written in a module would have them.
    handle.__annotations__ = {"message": incoming, "return": outgoing}
    handle.__name__ = handle.__qualname__ = name
    handle.__doc__ = f"Handle {name}.\n\nAnswers with the same payload."
    return handle


def _build_application() -> Any:
    """The ProtocolTypeRouter of CONSUMERS consumers x HANDLERS handlers, built afresh."""
    from channels.routing import ProtocolTypeRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from pydantic import create_model

    from chanx.channels.routing import URLRouter, path
    from chanx.channels.websocket import AsyncJsonWebsocketConsumer
    from chanx.core.decorators import ws_handler
    from chanx.messages.base import BaseMessage

    shared = _shared_payloads()
    routes = []
    for c in range(CONSUMERS):
        namespace: dict[str, Any] = {"__doc__": f"Consumer {c}: {HANDLERS} echo actions."}
        for h in range(HANDLERS):
            if h % 2 == 0:
                payload: type[Any] = shared[(c + h) % len(shared)]
            else:
                payload = create_model(
                    f"C{c:02d}Payload{h}",
                    name=(str, ...),
                    count=(int, 0),
                    ratio=(float | None, None),
                    labels=(list[str], []),
                )
            action, reply = f"do_{h}", f"did_{h}"
            # Literal of a value known only at run time: fine for Pydantic, opaque to mypy.
            incoming = create_model(
                f"C{c:02d}Do{h}",
                __base__=BaseMessage,
                action=(Literal[action], action),  # type: ignore[valid-type]
                payload=(payload, ...),
            )
            outgoing = create_model(
                f"C{c:02d}Did{h}",
                __base__=BaseMessage,
                action=(Literal[reply], reply),  # type: ignore[valid-type]
                payload=(payload, ...),
            )
            name = f"handle_do_{h}"
            namespace[name] = ws_handler(_handler(incoming, outgoing, name))
        consumer = type(f"Consumer{c:02d}", (AsyncJsonWebsocketConsumer,), namespace)
        routes.append(path(f"ws/c{c:02d}/<str:room>/", consumer.as_asgi()))
    return ProtocolTypeRouter({"websocket": AllowedHostsOriginValidator(URLRouter(routes))})


def _cpu(call: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of one ``call()`` and its result."""
    gc.collect()
    started = time.process_time()
    result = call()
    return time.process_time() - started, result


def _median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e3:10.2f} ms"


def main(argv: list[str] | None = None) -> int:
    """Build the project, time each step, validate the document and print the table."""
    global application
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.asyncapi_schema", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="3 repetitions instead of 7")
    parser.add_argument("--rounds", type=int, help="repetitions (default 7, quick 3)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)

    _configure()
    from django.test import Client, RequestFactory, override_settings

    from chanx.asyncapi.schema import clear_cache
    from chanx.asyncapi.validation import validation_errors
    from chanx.channels.views import generate_asyncapi_schema

    build_time, application = _cpu(_build_application)
    request = RequestFactory().get("/asyncapi/schema/")
    client = Client()

    def generate() -> dict[str, Any]:
        return generate_asyncapi_schema(request)

    document = generate()
    errors = validation_errors(document)
    assert not errors, "\n".join(errors[:20])
    operations = len(document["operations"])
    assert len(document["channels"]) == CONSUMERS, len(document["channels"])
    # Per consumer: one receive and one send per action, plus the built-in error and
    # completion messages every consumer may send.
    assert operations == CONSUMERS * (2 * HANDLERS + 3), operations
    json_answer = client.get("/asyncapi/schema/?format=json")
    yaml_answer = client.get("/asyncapi/schema/?format=yaml")
    assert json_answer.status_code == yaml_answer.status_code == 200
    assert json.loads(json_answer.content) == document
    import yaml

    assert yaml.safe_load(yaml_answer.content) == document

    cold: list[float] = []
    cached: list[float] = []
    changed: list[float] = []
    as_json: list[float] = []
    as_yaml: list[float] = []
    chanx_changed = {**BASE_CHANX, "ASYNCAPI_TITLE": "x"}
    for _ in range(rounds):
        clear_cache()
        seconds, fresh = _cpu(generate)
        cold.append(seconds)
        assert fresh == document
        seconds, again = _cpu(generate)
        cached.append(seconds)
        assert again == document and again is not fresh
        with override_settings(CHANX=chanx_changed):
            seconds, retitled = _cpu(generate)
        changed.append(seconds)
        assert retitled["info"]["title"] == "x", retitled["info"]
        assert document["info"]["title"] != "x"
        assert generate()["info"]["title"] == document["info"]["title"]
        seconds, answer = _cpu(lambda: client.get("/asyncapi/schema/?format=json"))
        as_json.append(seconds)
        assert answer.content == json_answer.content
        seconds, answer = _cpu(lambda: client.get("/asyncapi/schema/?format=yaml"))
        as_yaml.append(seconds)
        assert answer.content == yaml_answer.content

    print(
        f"asyncapi_schema: {CONSUMERS} consumers x {HANDLERS} handlers, "
        f"{len(document['channels'])} channels, {operations} operations, "
        f"{len(document['components']['messages'])} messages, "
        f"{len(document['components']['schemas'])} schemas; valid AsyncAPI 3.0.0"
    )
    print(
        f"JSON {len(json_answer.content) / 1024:,.0f} KiB, "
        f"YAML {len(yaml_answer.content) / 1024:,.0f} KiB; "
        f"building the consumers took {build_time:.2f} CPU s (not timed below)"
    )
    print(f"{rounds} repetitions, CPU time per call (time.process_time), median:")
    rows = [
        ("cold: generate_asyncapi_schema, cache cleared", cold),
        ("cached: same call, document cached", cached),
        ("after override_settings(CHANX=title 'x')", changed),
        ("GET AsyncAPISchemaView ?format=json (cached)", as_json),
        ("GET AsyncAPISchemaView ?format=yaml (cached)", as_yaml),
    ]
    for label, samples in rows:
        spread = f"(min {min(samples) * 1e3:.2f}, max {max(samples) * 1e3:.2f})"
        print(f"  {label:<48} {_median_ms(samples)}  {spread}")
    print(f"  cold/cached: {statistics.median(cold) / statistics.median(cached):.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
