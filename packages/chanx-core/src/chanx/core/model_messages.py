"""The messages of a live model stream: ``created``, ``updated``, ``deleted``, ``removed``.

A stream of one kind of object (a Django model observed by
``chanx.channels.model_topics.ModelTopic``, or anything else that has a key and a typed
representation) tells its subscribers four things, each one action on the wire:

* ``created``: a new object, with its representation as payload;
* ``updated``: an object changed (or entered this stream: a list it now belongs to),
  with its new representation;
* ``deleted``: the object is gone, with its key as payload;
* ``removed``: the object still exists but left this stream (it no longer matches the
  list's filter), with its key as payload.

A client that mirrors a list needs two rules: ``created`` / ``updated`` put the payload
at its key, ``deleted`` / ``removed`` drop the key.

:func:`model_messages` makes the four message classes of one stream, named after it
(``RoomStreamCreated``...), so a schema document shows one message per stream and kind.
This module is framework-neutral: it knows message shapes, not models or signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from chanx.messages.base import BaseMessage

PayloadT = TypeVar("PayloadT")

CREATED_ACTION = "created"
UPDATED_ACTION = "updated"
DELETED_ACTION = "deleted"
REMOVED_ACTION = "removed"


class ObjectKey(BaseModel):
    """Which object a ``deleted`` or ``removed`` message is about."""

    pk: int | str
    """The object's primary key (integer keys as numbers, any other key as text)."""


class ModelCreated(BaseMessage, Generic[PayloadT]):
    """A new object, with its representation."""

    action: Literal["created"] = "created"
    payload: PayloadT


class ModelUpdated(BaseMessage, Generic[PayloadT]):
    """An object changed, or entered this stream; its new representation."""

    action: Literal["updated"] = "updated"
    payload: PayloadT


class ModelDeleted(BaseMessage):
    """An object was deleted."""

    action: Literal["deleted"] = "deleted"
    payload: ObjectKey


class ModelRemoved(BaseMessage):
    """An object left this stream (it no longer belongs to the list) but still exists."""

    action: Literal["removed"] = "removed"
    payload: ObjectKey


@dataclass(frozen=True)
class ModelMessages:
    """The four message classes of one stream."""

    created: type[ModelCreated[Any]]
    updated: type[ModelUpdated[Any]]
    deleted: type[ModelDeleted]
    removed: type[ModelRemoved]

    def all(self) -> tuple[type[BaseMessage], ...]:
        """The four classes, in the order above (what a topic's ``pushes`` lists)."""
        return (self.created, self.updated, self.deleted, self.removed)


def _named(base: type[Any], name: str, module: str, doc: str | None) -> Any:
    namespace = {"__module__": module, "__qualname__": name, "__doc__": doc}
    metaclass: Any = type(base)
    return metaclass(name, (base,), namespace)


def model_messages(prefix: str, payload: Any, *, module: str = __name__) -> ModelMessages:
    """The message classes of a stream whose objects are represented by ``payload``.

    ``payload`` is the type of a ``created`` / ``updated`` payload (a Pydantic model
    class, usually). The classes are named ``{prefix}Created``, ``{prefix}Updated``,
    ``{prefix}Deleted`` and ``{prefix}Removed`` and set in ``module``, so that schema
    documents and error messages name them after the stream::

        messages = model_messages("RoomStream", RoomOut)
        messages.created(payload=RoomOut(id=1, name="lobby"))
    """
    return ModelMessages(
        created=_named(
            ModelCreated[payload], f"{prefix}Created", module, f"A new object of {prefix}."
        ),
        updated=_named(
            ModelUpdated[payload],
            f"{prefix}Updated",
            module,
            f"An object of {prefix} changed, or entered it.",
        ),
        deleted=_named(
            ModelDeleted, f"{prefix}Deleted", module, f"An object of {prefix} was deleted."
        ),
        removed=_named(
            ModelRemoved, f"{prefix}Removed", module, f"An object left {prefix} but still exists."
        ),
    )


def object_key(pk: Any) -> ObjectKey:
    """The :class:`ObjectKey` of primary key ``pk``: integers stay numbers, others become text."""
    return ObjectKey(pk=pk if isinstance(pk, int) and not isinstance(pk, bool) else str(pk))


__all__ = [
    "CREATED_ACTION",
    "DELETED_ACTION",
    "REMOVED_ACTION",
    "UPDATED_ACTION",
    "ModelCreated",
    "ModelDeleted",
    "ModelMessages",
    "ModelRemoved",
    "ModelUpdated",
    "ObjectKey",
    "PayloadT",
    "model_messages",
    "object_key",
]
