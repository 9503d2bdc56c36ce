"""Live model streams: a :class:`~chanx.core.topics.Topic` fed by a Django model's signals.

::

    class RoomOut(BaseModel):
        id: int
        name: str

    class RoomStream(ModelTopic):
        pattern = "room:{pk}"
        model = Room
        payload = RoomOut

        async def authorize(self, pk: int) -> bool: ...

A save of a ``Room`` pushes ``created`` or ``updated`` (payload: ``RoomOut``) to the
subscribers of ``room:<pk>``, a delete pushes ``deleted`` (payload: ``{"pk": ...}``), in
every server process, through the channel layer. The messages are those of
:mod:`chanx.core.model_messages`, one set per topic class (``RoomStream.Created``...),
declared in ``pushes`` so schema documents and test communicators know them.

What is pushed, and when:

* **After the commit.** A save registers its pushes with ``transaction.on_commit``: a
  rolled-back save pushes nothing, and a subscriber that reads the database on a push
  finds the row committed. A save outside a transaction (autocommit) pushes at once.
* **From any process.** Views, management commands, task workers: anything that saves
  through the ORM with the same ``CHANNEL_LAYERS`` reaches the subscribers on every
  server. ``QuerySet.update()``, ``bulk_create()`` and raw SQL send no signals, so they
  push nothing.
* **In commit order, per publishing process.** The pushes of one commit are sent in the
  order of the saves, and each commit's pushes are sent before the next commit's (the
  publishing thread waits for the channel layer). Pushes from two processes have no
  order between them.
* **Never failing the save.** A serializer that raises or a channel layer that is down is
  logged (``chanx.channels.model_topics``); the save itself stands.

Which topic instances an object belongs to is :meth:`ModelTopic.topics_for`. By
default each placeholder of the pattern is read from the object (``pk``, a field name, a
foreign key by its id): ``room:{pk}`` gives one topic per object, ``rooms`` one list for
all, ``rooms:{owner}`` one list per owner. Override it for filtered lists
(``["rooms:public"] if room.is_public else []``). When an object may move between topic
instances (a pattern with a placeholder other than ``pk``, or ``topics_for``
overridden), the row as it was is read before each save, and the instances the object
left get ``removed``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from pydantic import BaseModel

from chanx.channels import topics as _installs_the_publisher  # noqa: F401
from chanx.channels.runtime import current_runtime
from chanx.core.discovery import HandlerDefinitionError
from chanx.core.model_messages import (
    ModelCreated,
    ModelDeleted,
    ModelMessages,
    ModelRemoved,
    ModelUpdated,
    model_messages,
    object_key,
)
from chanx.core.topics import Topic
from chanx.messages.base import BaseMessage

logger = logging.getLogger("chanx.channels.model_topics")

Push = tuple[type[Topic], str, BaseMessage]
"""One message for one topic instance."""

_STASH = "_chanx_model_topics"
# What a pre_* signal saw, kept on the instance for the matching post_* signal: the
# topic instances an object belonged to before a save, a delete or an m2m change.

_GENERATED: set[type[BaseMessage]] = set()
# Message classes made for a ModelTopic, so a subclass does not inherit its parent's.


class ModelTopic(Topic):
    """A topic whose pushes are a Django model's saves and deletes.

    Set on a subclass:

    * ``pattern``: the topic instances, as for any topic (``"room:{pk}"``, ``"rooms"``,
      ``"rooms:{owner}"``).
    * ``model``: the Django model observed.
    * ``payload``: the Pydantic model an object is sent as, built from the instance's
      attributes (``payload.model_validate(instance, from_attributes=True)``).
      Override :meth:`serialize` to build it another way; chanx-drf's
      ``chanx.drf.model_topics.SerializerModelTopic`` uses a DRF serializer.
    * ``m2m_fields`` (optional): names of the model's many-to-many fields whose changes
      count as an update of the object (``room.members.add(user)`` pushes ``updated``).
    * ``track_moves`` (optional): whether to read the row before each save to learn the
      topic instances the object leaves (``removed``). None (default) decides: yes when
      ``topics_for`` is overridden or the pattern has a placeholder other than ``pk``.

    ``authorize``, handlers, ``on_subscribe`` work as on any topic. The signals are
    connected when the class is defined (once per class; defining a class of the same
    module and name again replaces the old one's receivers), so import the module that
    defines the topic in every process that saves (a consumer's module imported by the
    routing is enough for servers; commands and workers import the routing or the
    topic). :meth:`disconnect_signals` stops a class's pushes.

    The class gets four message classes, declared in ``pushes``: ``Created``,
    ``Updated`` (payload: ``payload``), ``Deleted`` and ``Removed`` (payload:
    :class:`~chanx.core.model_messages.ObjectKey`), named after the class
    (``RoomStreamCreated``...).
    """

    model: ClassVar[type[models.Model] | None] = None
    """The Django model whose saves and deletes this topic pushes."""

    payload: ClassVar[type[BaseModel] | None] = None
    """How an object is sent: a Pydantic model built from the instance's attributes."""

    m2m_fields: ClassVar[Sequence[str]] = ()
    """Many-to-many fields of ``model`` whose changes push ``updated``."""

    track_moves: ClassVar[bool | None] = None
    """Read the row before a save to push ``removed`` where the object left (None: auto)."""

    messages: ClassVar[ModelMessages]
    Created: ClassVar[type[ModelCreated[Any]]]
    Updated: ClassVar[type[ModelUpdated[Any]]]
    Deleted: ClassVar[type[ModelDeleted]]
    Removed: ClassVar[type[ModelRemoved]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "pattern", None) is None:
            return  # a base for other model topics
        model = _checked_model(cls)
        cls.messages = model_messages(cls.__name__, cls.payload_type(), module=cls.__module__)
        _GENERATED.update(cls.messages.all())
        cls.Created, cls.Updated = cls.messages.created, cls.messages.updated
        cls.Deleted, cls.Removed = cls.messages.deleted, cls.messages.removed
        declared = [p for p in cls.pushes if p not in _GENERATED]
        cls.pushes = tuple(dict.fromkeys([*declared, *cls.messages.all()]))
        _connect(cls, model)

    @classmethod
    def payload_type(cls) -> Any:
        """The type of a ``created`` / ``updated`` payload (``payload`` by default).

        Called once, when the class is defined.
        """
        if cls.payload is None or not (
            isinstance(cls.payload, type) and issubclass(cls.payload, BaseModel)
        ):
            raise HandlerDefinitionError(
                f"{cls.__qualname__}.payload must be a Pydantic model class the objects are "
                f"sent as (e.g. `payload = {_model_name(cls)}Out`, a BaseModel with the fields "
                f"to send); got {cls.payload!r}."
            )
        return cls.payload

    @classmethod
    def serialize(cls, instance: Any) -> Any:
        """The payload of ``instance`` in a ``created`` / ``updated`` message.

        Runs in the saving thread, inside its transaction, right after the save: the
        payload is the object as this save left it, even if a later save of the same
        transaction changes it again.
        """
        assert cls.payload is not None
        return cls.payload.model_validate(instance, from_attributes=True)

    @classmethod
    def topics_for(cls, instance: Any) -> Iterable[str]:
        """The names of the topic instances ``instance`` belongs to.

        By default one: the pattern formatted with the instance's attributes (``pk``,
        fields; a foreign key gives its id), none when one of them is None. Override it
        for filtered lists; it may query the database (it runs in the saving thread).
        """
        params: dict[str, Any] = {}
        for name in cls.__chanx_pattern__.parameters:
            value = _attribute(instance, name)
            if value is None:
                return []
            params[name] = value
        return [cls.topic_name(**params)]

    @classmethod
    def moves_tracked(cls) -> bool:
        """Whether saves read the old row to push ``removed`` (see ``track_moves``)."""
        if cls.track_moves is not None:
            return cls.track_moves
        overridden = cls.topics_for.__func__ is not ModelTopic.topics_for.__func__  # type: ignore[attr-defined]
        return overridden or bool(set(cls.__chanx_pattern__.parameters) - {"pk"})

    @classmethod
    def disconnect_signals(cls) -> None:
        """Stop pushing: disconnect this class's signal receivers."""
        if cls.model is not None and getattr(cls, "pattern", None) is not None:
            _disconnect(cls, cls.model)

    @classmethod
    def _topics(cls, instance: Any) -> set[str]:
        names = set()
        for name in cls.topics_for(instance):
            if cls.__chanx_pattern__.match(name) is None:
                logger.warning(
                    "%s.topics_for returned %r, which is not a topic of the pattern %r; "
                    "nothing is pushed to it",
                    cls.__qualname__,
                    name,
                    cls.pattern,
                )
                continue
            names.add(name)
        return names

    @classmethod
    def _saved(cls, instance: Any, created: bool, old: set[str] | None) -> list[Push]:
        new = cls._topics(instance)
        pushes: list[Push] = []
        if new:
            message: BaseMessage
            if created:
                message = cls.Created(payload=cls.serialize(instance))
            else:
                message = cls.Updated(payload=cls.serialize(instance))
            pushes += [(cls, name, message) for name in sorted(new)]
        if old:
            left = cls.Removed(payload=object_key(instance.pk))
            pushes += [(cls, name, left) for name in sorted(old - new)]
        return pushes


def _model_name(cls: type[ModelTopic]) -> str:
    return cls.model.__name__ if cls.model is not None else "Room"


def _checked_model(cls: type[ModelTopic]) -> type[models.Model]:
    model = cls.model
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        raise HandlerDefinitionError(
            f"{cls.__qualname__}.model must be the Django model class the topic observes "
            f"(e.g. `model = Room`); got {model!r}."
        )
    if model._meta.abstract:
        raise HandlerDefinitionError(
            f"{cls.__qualname__}.model is the abstract model {model.__qualname__}, which is "
            "never saved: name a concrete model."
        )
    for name in cls.m2m_fields:
        field = _field(model, name)
        if not isinstance(field, models.ManyToManyField):
            raise HandlerDefinitionError(
                f"{cls.__qualname__}.m2m_fields names {name!r}, which is not a "
                f"many-to-many field of {model.__qualname__}: list the names of its "
                "ManyToManyField fields."
            )
    return model


def _field(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def _attribute(instance: Any, name: str) -> Any:
    field = _field(type(instance), name)
    concrete = getattr(field, "concrete", False)
    if concrete and (field.many_to_one or field.one_to_one):
        return getattr(instance, field.attname)
    return getattr(instance, name)


def _stash(instance: Any) -> dict[Any, Any]:
    stash: dict[Any, Any] = instance.__dict__.setdefault(_STASH, {})
    return stash


def _uid(cls: type[ModelTopic]) -> str:
    return f"chanx.model_topics:{cls.__module__}.{cls.__qualname__}"


def _receivers(cls: type[ModelTopic], model: type[models.Model]) -> list[tuple[Any, Any, Any]]:
    """(signal, sender, receiver) of every connection ``cls`` makes."""
    connections: list[tuple[Any, Any, Any]] = [
        (post_save, model, partial(_post_save, cls)),
        (pre_delete, model, partial(_pre_delete, cls)),
        (post_delete, model, partial(_post_delete, cls)),
    ]
    if cls.moves_tracked():
        connections.append((pre_save, model, partial(_pre_save, cls)))
    for name in cls.m2m_fields:
        through = _field(model, name).remote_field.through
        connections.append((m2m_changed, through, partial(_m2m_changed, cls, name)))
    return connections


def _connect(cls: type[ModelTopic], model: type[models.Model]) -> None:
    uid = _uid(cls)
    for signal, sender, receiver in _receivers(cls, model):
        # A class defined again (a test, a reloaded module) replaces the old receivers.
        signal.disconnect(sender=sender, dispatch_uid=uid)
        signal.connect(receiver, sender=sender, weak=False, dispatch_uid=uid)


def _disconnect(cls: type[ModelTopic], model: type[models.Model]) -> None:
    uid = _uid(cls)
    for signal, sender, _ in _receivers(cls, model):
        signal.disconnect(sender=sender, dispatch_uid=uid)


def _pre_save(
    cls: type[ModelTopic], sender: Any, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    try:
        old = sender._base_manager.using(kwargs.get("using")).filter(pk=instance.pk).first()
        _stash(instance)[cls] = cls._topics(old) if old is not None else set()
    except Exception:
        logger.exception("%s: reading %r before its save failed", cls.__qualname__, instance)


def _post_save(
    cls: type[ModelTopic],
    sender: Any,
    instance: Any,
    created: bool,
    raw: bool = False,
    using: str | None = None,
    **kwargs: Any,
) -> None:
    old = _stash(instance).pop(cls, None)
    if raw:  # loaddata: fixtures are not news
        return
    try:
        pushes = cls._saved(instance, created, old)
    except Exception:
        logger.exception("%s: the save of %r cannot be pushed", cls.__qualname__, instance)
        return
    _after_commit(pushes, using)


def _pre_delete(cls: type[ModelTopic], sender: Any, instance: Any, **kwargs: Any) -> None:
    # Before the row is gone: topics_for may read related rows the delete cascades to.
    try:
        _stash(instance)[cls] = (instance.pk, cls._topics(instance))
    except Exception:
        logger.exception("%s: the delete of %r cannot be pushed", cls.__qualname__, instance)


def _post_delete(
    cls: type[ModelTopic], sender: Any, instance: Any, using: str | None = None, **kwargs: Any
) -> None:
    seen = _stash(instance).pop(cls, None)
    if seen is None:
        return
    pk, names = seen
    gone = cls.Deleted(payload=object_key(pk))
    _after_commit([(cls, name, gone) for name in sorted(names)], using)


def _m2m_changed(
    cls: type[ModelTopic],
    field_name: str,
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    using: str | None = None,
    **kwargs: Any,
) -> None:
    key = (cls, "m2m", field_name)
    try:
        if action.startswith("pre_"):
            if pk_set is not None and not pk_set:
                return  # nothing is added or removed
            objects = _m2m_objects(cls, field_name, instance, reverse, pk_set, using)
            tracked = cls.moves_tracked()
            _stash(instance)[key] = [
                (obj, cls._topics(obj) if tracked else None) for obj in objects
            ]
            return
        entries = _stash(instance).pop(key, None)
        if entries is None:
            return
        pushes = [push for obj, old in entries for push in cls._saved(obj, False, old)]
    except Exception:
        logger.exception(
            "%s: the change of %s.%s cannot be pushed", cls.__qualname__, instance, field_name
        )
        return
    _after_commit(pushes, using)


def _m2m_objects(
    cls: type[ModelTopic],
    field_name: str,
    instance: Any,
    reverse: bool,
    pk_set: set[Any] | None,
    using: str | None,
) -> list[Any]:
    """The objects of ``cls.model`` an m2m change is about."""
    if not reverse:
        return [instance]
    assert cls.model is not None
    rows = cls.model._base_manager.using(using)
    if pk_set is None:  # clear() from the other side: every object related to instance
        return list(rows.filter(**{field_name: instance}))
    return list(rows.filter(pk__in=pk_set))


def _after_commit(pushes: list[Push], using: str | None) -> None:
    if pushes:
        transaction.on_commit(partial(publish_in_order, pushes), using=using)


def publish_in_order(pushes: Sequence[Push]) -> None:
    """Publish ``pushes`` one after the other, from synchronous code; never raises.

    From a thread without an event loop (a view, a command, a worker, a thread of
    ``sync_to_async``) it returns once the channel layer took them all, so the next
    commit's pushes follow. On an event loop's thread (an ORM call allowed there) it
    schedules them after that loop's previous pushes and returns at once.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        try:
            async_to_sync(_publish)(pushes)
        except Exception:
            logger.exception("Model topic pushes could not be sent")
        return
    # The loop's runtime owns the chain: the next commit's pushes wait for these, and a
    # stopping server lets them finish.
    runtime = current_runtime()
    runtime.last_push = loop.create_task(_publish_after(runtime.last_push, pushes))


async def _publish_after(previous: asyncio.Task[None] | None, pushes: Sequence[Push]) -> None:
    if previous is not None and not previous.done():
        await asyncio.wait([previous])
    await _publish(pushes)


async def _publish(pushes: Sequence[Push]) -> None:
    for topic_class, name, message in pushes:
        try:
            await topic_class.publish(name, message)
        except Exception:
            logger.exception(
                "%s: pushing %s to %r failed", topic_class.__qualname__, message.action, name
            )


__all__ = ["ModelTopic", "Push", "publish_in_order"]
