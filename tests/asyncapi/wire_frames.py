"""Check real frames against a generated document, as a client validating the wire would.

A frame the client sends must match one of the messages its channel's ``receive``
operations take; a frame the server sends one of the messages its ``send`` operations or
``reply``s list. Matching means: same action, and the message's payload schema (resolved
in ``components``) accepts the whole frame.
"""

from __future__ import annotations

from typing import Any, Literal

import jsonschema

Direction = Literal["client", "server"]


class DocumentFrames:
    """The frames a document allows on each channel, by direction."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def message_keys(self, channel: str, direction: Direction) -> set[str]:
        """Component keys of the messages ``direction`` may send on ``channel``."""
        keys: set[str] = set()
        channel_ref = f"#/channels/{channel}"
        for operation in self.document["operations"].values():
            if operation["channel"]["$ref"] != channel_ref:
                continue
            refs: list[dict[str, str]] = []
            if operation["action"] == "receive" and direction == "client":
                refs = operation["messages"]
            elif operation["action"] == "receive":
                refs = operation.get("reply", {}).get("messages", [])
            elif direction == "server":
                refs = operation["messages"]
            keys.update(self._component_key(channel, ref["$ref"]) for ref in refs)
        return keys

    def _component_key(self, channel: str, ref: str) -> str:
        local = ref.rsplit("/", 1)[1]
        target: str = self.document["channels"][channel]["messages"][local]["$ref"]
        return target.rsplit("/", 1)[1]

    def problems(self, channel: str, direction: Direction, frame: dict[str, Any]) -> list[str]:
        """Why no message of ``channel`` for ``direction`` accepts ``frame`` (empty if one does)."""
        components = self.document["components"]
        candidates = [
            key
            for key in sorted(self.message_keys(channel, direction))
            if frame.get("action") in components["messages"][key]["name"].split(" | ")
        ]
        if not candidates:
            return [f"no {direction} message with action {frame.get('action')!r} on {channel}"]
        found: list[str] = []
        for key in candidates:
            schema = {
                "$ref": components["messages"][key]["payload"]["$ref"],
                "components": components,
            }
            errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(frame)]
            if not errors:
                return []
            found += [f"{key}: {error}" for error in errors]
        return found

    def check(self, channel: str, direction: Direction, frame: dict[str, Any]) -> None:
        """Assert some message of ``channel`` for ``direction`` accepts ``frame``."""
        problems = self.problems(channel, direction, frame)
        assert not problems, f"{frame} on {channel}:\n" + "\n".join(problems)
