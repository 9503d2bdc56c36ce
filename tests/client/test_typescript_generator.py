"""The TypeScript generator: output that ``tsc --strict`` accepts, typed as the document says.

Documents: the chat example's (as ``manage.py generate_asyncapi_schema`` writes it), and the
stored fixtures in ``tests/client/fixtures`` (topics and multiplexing, and upstream chanx's
client-generation schema). The compiler is the pinned TypeScript of
``examples/chat/regenerate_client.py`` (see ``tests/client/typescript_compiler.py``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chanx.client.document import DocumentError, load_document, validate_document
from chanx.client.model import ApiDef, build_api
from chanx.client.typescript_generator import generate, runtime_source
from tests.client.typescript_compiler import run_tsc, typescript_compiler
from tests.e2e.servers import EXAMPLE, example_env

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(scope="module")
def tsc() -> Path:
    return typescript_compiler()


@pytest.fixture(scope="module")
def chat_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("chat-document")
    target = folder / "chat.json"
    subprocess.run(
        [sys.executable, "manage.py", "generate_asyncapi_schema", "--file", str(target)],
        cwd=EXAMPLE,
        env=example_env(folder / "chat.sqlite3"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return load_document(str(target))


@pytest.fixture(scope="module")
def chat_api(chat_document: dict[str, Any]) -> ApiDef:
    return build_api(chat_document)


def _documents() -> list[Any]:
    return [
        pytest.param(path, id=path.stem)
        for path in sorted(FIXTURES.glob("*.json")) + sorted(FIXTURES.glob("*.yaml"))
    ]


def _check(tsc: Path, *files: Path) -> None:
    result = run_tsc(tsc, "--noEmit", *(str(path) for path in files))
    assert result.returncode == 0, result.stdout + result.stderr


def test_chat_example_client_passes_tsc_strict(tsc: Path, chat_api: ApiDef, tmp_path: Path) -> None:
    files = generate(chat_api, tmp_path)
    assert [path.name for path in files] == [
        "runtime.ts",
        "models.ts",
        "chat.ts",
        "hub.ts",
        "index.ts",
    ]
    _check(tsc, *files)


@pytest.mark.parametrize("document", _documents())
def test_fixture_documents_give_clients_that_pass_tsc_strict(
    tsc: Path, document: Path, tmp_path: Path
) -> None:
    _check(tsc, *generate(build_api(load_document(str(document))), tmp_path))


def test_same_document_gives_the_same_bytes(chat_api: ApiDef, tmp_path: Path) -> None:
    first = {path.name: path.read_bytes() for path in generate(chat_api, tmp_path / "a")}
    again = generate(chat_api, tmp_path / "a")  # over its own output
    other = {path.name: path.read_bytes() for path in generate(chat_api, tmp_path / "b")}
    assert {path.name: path.read_bytes() for path in again} == first == other
    assert (tmp_path / "a" / "runtime.ts").read_text(encoding="utf-8") == runtime_source()


def test_messages_are_interfaces_discriminated_by_a_required_action_literal(
    chat_api: ApiDef, tmp_path: Path
) -> None:
    generate(chat_api, tmp_path)
    models = (tmp_path / "models.ts").read_text(encoding="utf-8")
    assert chat_api.messages
    for message in chat_api.messages:
        assert f'export interface {message.name} {{\n  action: "{message.action}";\n' in models
    for model in chat_api.models:
        assert f"export interface {model.name} {{\n" in models
    chat = (tmp_path / "chat.ts").read_text(encoding="utf-8")
    incoming = re.search(r"export type ChatIncoming =\n((?:  \| \w+\n?)+);", chat)
    assert incoming is not None, chat
    members = re.findall(r"\| (\w+)", incoming.group(1))
    assert "JoinedMessage" in members and "RoomMessage" in members
    assert "requestJoin(options: runtime.RequestOptions = {}): Promise<JoinedMessage>" in chat
    assert "sendMessage(payload: Text): Promise<void>" in chat


def test_descriptions_become_tsdoc_comments_that_cannot_be_closed_early(
    chat_api: ApiDef, tmp_path: Path
) -> None:
    document = validate_document(
        {
            "asyncapi": "3.0.0",
            "info": {"title": "Notes", "version": "1"},
            "channels": {
                "notes": {
                    "address": "/ws/notes/",
                    "description": "Notes. A */ here must not end the comment.",
                    "messages": {"Note": {"$ref": "#/components/messages/Note"}},
                }
            },
            "operations": {
                "notesNote": {
                    "action": "receive",
                    "channel": {"$ref": "#/channels/notes"},
                    "messages": [{"$ref": "#/channels/notes/messages/Note"}],
                }
            },
            "components": {
                "messages": {
                    "Note": {
                        "name": "note",
                        "summary": "Write a note.",
                        "description": "A note, kept for later.",
                        "payload": {
                            "type": "object",
                            "properties": {
                                "action": {"const": "note", "type": "string"},
                                "payload": {
                                    "type": "object",
                                    "description": "What the note says.",
                                    "properties": {
                                        "text-body": {"type": "string", "description": "The text."}
                                    },
                                    "required": ["text-body"],
                                },
                            },
                            "required": ["action", "payload"],
                        },
                    }
                }
            },
        },
        "notes",
    )
    generate(build_api(document), tmp_path)
    models = (tmp_path / "models.ts").read_text(encoding="utf-8")
    assert (
        "/** What the note says. */\nexport interface NotePayload {\n"
        '  /** The text. */\n  "text-body": string;\n}'
    ) in models
    assert (
        "/**\n * Write a note.\n *\n * A note, kept for later.\n */\nexport interface Note {"
        in models
    )
    notes = (tmp_path / "notes.ts").read_text(encoding="utf-8")
    assert "Notes. A *\\/ here must not end the comment." in notes


USAGE = """
import {
  ChatClient,
  ServerError,
  type ChatIncoming,
  type JoinedMessage,
} from "./index.js";

export async function talk(): Promise<string> {
  const client = new ChatClient("https://chat.example.com", { room: "lobby" }, {
    reconnect: { initialDelay: 100, maxAttempts: 5 },
    onStateChange: (change) => console.log(change.state, change.code, change.delay),
  });
  client.on("room_message", (message, context) => {
    const text: string = message.payload.text;
    console.log(text, context.ref);
  });
  client.onMessage((message: ChatIncoming) => {
    if (message.action === "typing_notice") {
      const typing: boolean = message.payload.typing;
      console.log(typing);
    }
  });
  await client.connect();
  await client.sendMessage({ text: "hi" });
  const joined: JoinedMessage = await client.requestJoin({ timeout: 1000 });
  try {
    await client.requestPing();
  } catch (error) {
    if (error instanceof ServerError) console.log(error.payload);
  }
  client.close();
  return joined.payload.room;
}
"""

MISUSES = {
    "payload_field": 'client.sendMessage({ txt: "hi" });',
    "payload_type": "client.sendTyping({ typing: 1 });",
    "unknown_action": 'client.on("no_such_action", () => {});',
    "narrowed_payload": 'client.on("room_message", (message) => message.payload.room);',
    "reply_type": "client.requestJoin().then((reply) => reply.payload.text);",
    "missing_parameter": 'new ChatClient("ws://h", {});',
}


def test_typed_usage_compiles(tsc: Path, chat_api: ApiDef, tmp_path: Path) -> None:
    files = generate(chat_api, tmp_path)
    usage = tmp_path / "usage.ts"
    usage.write_text(USAGE, encoding="utf-8")
    _check(tsc, *files, usage)


def test_each_misuse_is_a_type_error(tsc: Path, chat_api: ApiDef, tmp_path: Path) -> None:
    files = generate(chat_api, tmp_path)
    misuses = []
    for name, line in MISUSES.items():
        misuse = tmp_path / f"misuse_{name}.ts"
        misuse.write_text(
            'import { ChatClient } from "./index.js";\n'
            'const client = new ChatClient("ws://h", { room: "r" });\n'
            f"{line}\nexport {{ client }};\n",
            encoding="utf-8",
        )
        misuses.append(misuse)
    result = run_tsc(tsc, "--noEmit", *(str(path) for path in [*files, *misuses]))
    assert result.returncode != 0
    for misuse in misuses:
        assert f"{misuse.name}(3," in result.stdout, f"{misuse.name} compiled:\n{result.stdout}"
    assert "index.ts" not in result.stdout and "runtime.ts" not in result.stdout, result.stdout


def test_topic_channels_become_typed_topic_handles(tsc: Path, tmp_path: Path) -> None:
    api = build_api(load_document(str(FIXTURES / "topics.json")))
    hub = next(channel for channel in api.channels if channel.topics)
    files = generate(api, tmp_path)
    module = (tmp_path / f"{hub.identifier}.ts").read_text(encoding="utf-8")
    topic = hub.topics[0]
    assert f'static readonly pattern = "{topic.pattern}";' in module
    usage = tmp_path / "topics_usage.ts"
    usage.write_text(
        f'import {{ {hub.name}Client, SubscriptionRefused }} from "./index.js";\n'
        f'const client = new {hub.name}Client("ws://h");\n'
        "export async function watch(): Promise<void> {\n"
        "  const room = client.roomTopic({ pk: 5 });\n"
        "  room.onMessage((message, context) => console.log(message.action, context.seq));\n"
        "  room.onRefused((error: SubscriptionRefused) => console.log(error.reason));\n"
        "  await room.subscribe();\n"
        "  await room.unsubscribe();\n"
        "}\n",
        encoding="utf-8",
    )
    _check(tsc, *files, usage)
    usage.write_text(
        f'import {{ {hub.name}Client }} from "./index.js";\n'
        f'new {hub.name}Client("ws://h").roomTopic({{ pk: "five" }});\n',
        encoding="utf-8",
    )
    result = run_tsc(tsc, "--noEmit", *(str(path) for path in [*files, usage]))
    assert result.returncode != 0 and "topics_usage.ts(2," in result.stdout, result.stdout


def test_a_topic_without_placeholders_takes_no_argument(
    tsc: Path, chat_api: ApiDef, tmp_path: Path
) -> None:
    files = generate(chat_api, tmp_path)
    module = (tmp_path / "hub.ts").read_text(encoding="utf-8")
    assert "PublicRoomListTopicParams" not in module  # no empty interface
    assert "RoomTopicParams" in module
    usage = tmp_path / "rooms_usage.ts"
    usage.write_text(
        'import { HubClient, PublicRoomListCreated } from "./index.js";\n'
        'const hub = new HubClient("ws://h");\n'
        "export function watch(): string {\n"
        "  const rooms = hub.publicRoomListTopic();\n"
        '  rooms.on("created", (message: PublicRoomListCreated) => console.log(message.payload));\n'
        "  return rooms.name;\n"
        "}\n",
        encoding="utf-8",
    )
    _check(tsc, *files, usage)
    usage.write_text(
        'import { HubClient } from "./index.js";\n'
        'new HubClient("ws://h").publicRoomListTopic({});\n',
        encoding="utf-8",
    )
    result = run_tsc(tsc, "--noEmit", *(str(path) for path in [*files, usage]))
    assert result.returncode != 0 and "rooms_usage.ts(2," in result.stdout, result.stdout


def test_topic_messages_do_not_repeat_the_topic_name(chat_api: ApiDef, tmp_path: Path) -> None:
    generate(chat_api, tmp_path)
    models = (tmp_path / "models.ts").read_text(encoding="utf-8")
    assert "export interface PublicRoomListCreated {" in models
    assert "PublicRoomListPublicRoomList" not in models
    assert "PublicRoomListPublicRoomList" not in (tmp_path / "hub.ts").read_text(encoding="utf-8")


def test_a_model_named_like_a_runtime_export_is_refused(tmp_path: Path) -> None:
    api = build_api(load_document(str(FIXTURES / "topics.json")))
    clashing = ApiDef(
        title=api.title,
        version=api.version,
        description=api.description,
        models=api.models,
        messages=(*api.messages[:-1], _renamed(api.messages[-1], "ChanxClient")),
        channels=api.channels,
    )
    with pytest.raises(DocumentError, match="ChanxClient"):
        generate(clashing, tmp_path)


def _renamed(message: Any, name: str) -> Any:
    from dataclasses import replace

    return replace(message, name=name)
