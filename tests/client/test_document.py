"""Loading documents: files and URLs, JSON and YAML, validation and ``$ref`` checks."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from chanx.client.document import DocumentError, follow, load_document, resolve
from tests.client.documents import TOPICS, UPSTREAM


def minimal(**extra: Any) -> dict[str, Any]:
    return {"asyncapi": "3.0.0", "info": {"title": "T", "version": "1"}, **extra}


def write(tmp_path: Path, document: Any, name: str = "doc.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on a free loopback port serving ``tmp_path``."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_json_file_is_loaded_with_refs_left_in_place() -> None:
    document = load_document(str(UPSTREAM))
    assert document["info"]["title"] == "FastAPI AsyncAPI documentation"
    chat = document["channels"]["chat"]["messages"]["chat_message"]
    assert chat == {"$ref": "#/components/messages/chat_message"}
    assert follow(document, chat)["payload"] == {"$ref": "#/components/schemas/ChatMessage"}


def test_yaml_file_gives_the_same_document_as_json(tmp_path: Path) -> None:
    as_json = load_document(str(TOPICS))
    yaml_path = tmp_path / "topics.yaml"
    yaml_path.write_text(yaml.safe_dump(as_json, sort_keys=False), encoding="utf-8")
    assert load_document(str(yaml_path)) == as_json


def test_url_is_fetched(http_root: tuple[str, Path]) -> None:
    base, root = http_root
    (root / "asyncapi.json").write_bytes(TOPICS.read_bytes())
    assert load_document(f"{base}/asyncapi.json") == load_document(str(TOPICS))


def test_http_error_status_is_reported(http_root: tuple[str, Path]) -> None:
    base, _ = http_root
    with pytest.raises(DocumentError, match=r"cannot fetch .*/missing.json: HTTP 404"):
        load_document(f"{base}/missing.json")


def test_unreachable_url_is_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed.
    with pytest.raises(DocumentError, match=rf"cannot reach http://127.0.0.1:{port}/"):
        load_document(f"http://127.0.0.1:{port}/asyncapi.json")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        load_document(str(tmp_path / "nope.json"))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"asyncapi": "2.6.0", "info": {"title": "T"}},
            r"not an AsyncAPI 3.0 document \('asyncapi: 2.6.0'",
        ),
        ({"openapi": "3.1.0"}, r"not an AsyncAPI 3.0 document \(no 'asyncapi' field"),
        ([1, 2], "its top level is not an object"),
        ({"asyncapi": "3.0.0"}, "has no info.title"),
        (minimal(channels=[]), "'channels' must be an object"),
    ],
)
def test_documents_that_are_not_asyncapi_3_are_refused(
    tmp_path: Path, document: Any, message: str
) -> None:
    with pytest.raises(DocumentError, match=message):
        load_document(write(tmp_path, document))


def test_broken_json_is_reported_as_json(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"asyncapi": "3.0.0",', encoding="utf-8")
    with pytest.raises(DocumentError, match="is not valid JSON"):
        load_document(str(path))


def test_unresolvable_ref_names_the_pointer_and_where_it_is(tmp_path: Path) -> None:
    document = minimal(
        channels={
            "chat": {"address": "/ws/", "messages": {"m": {"$ref": "#/components/messages/Gone"}}}
        }
    )
    with pytest.raises(DocumentError) as caught:
        load_document(write(tmp_path, document))
    assert str(caught.value) == (
        f"{tmp_path / 'doc.json'}: unresolvable $ref '#/components/messages/Gone' "
        "(at #/channels/chat/messages/m): nothing at 'components'"
    )


def test_external_ref_is_refused_with_the_fix(tmp_path: Path) -> None:
    document = minimal(channels={"chat": {"$ref": "other.yaml#/channels/chat"}})
    with pytest.raises(DocumentError, match=r"points outside the document.*bundle the document"):
        load_document(write(tmp_path, document))


def test_pointer_escapes_are_understood() -> None:
    document = {"components": {"schemas": {"a/b": {"x~y": 1}}}}
    assert resolve(document, "#/components/schemas/a~1b/x~0y") == 1
