"""Live model streams serialized by a DRF serializer: the REST representation, pushed.

::

    class RoomSerializer(serializers.ModelSerializer):
        class Meta:
            model = Room
            fields = ["id", "name", "owner", "is_public"]

    class RoomStream(SerializerModelTopic):
        pattern = "room:{pk}"
        model = Room
        serializer_class = RoomSerializer

A push carries ``RoomSerializer(room).data``, exactly what the REST API returns. The
typed payload (for the AsyncAPI document and the test communicator) is a Pydantic model
made from the serializer's fields when the class is defined (:func:`serializer_payload`);
set ``payload`` to a model of your own to describe it precisely.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional

from pydantic import BaseModel, ConfigDict, create_model
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

from chanx.channels.model_topics import ModelTopic
from chanx.core.discovery import HandlerDefinitionError

_SCALARS: tuple[tuple[type[Any], Any], ...] = (
    (drf_fields.BooleanField, bool),
    (drf_fields.IntegerField, int),
    (drf_fields.FloatField, float),
    # Text on the wire: DRF renders dates, times, durations and UUIDs as strings.
    (drf_fields.CharField, str),
    (drf_fields.UUIDField, str),
    (drf_fields.DateTimeField, str),
    (drf_fields.DateField, str),
    (drf_fields.TimeField, str),
    (drf_fields.DurationField, str),
    (relations.PrimaryKeyRelatedField, int | str),
    (relations.SlugRelatedField, str),
    (relations.StringRelatedField, str),
    (relations.HyperlinkedRelatedField, str),
)


_payloads: dict[type[serializers.BaseSerializer[Any]], type[BaseModel]] = {}


def _field_type(field: Any) -> Any:
    kind: Any = Any
    if isinstance(field, serializers.ListSerializer):
        kind = list[_field_type(field.child)]  # type: ignore[misc]
    elif isinstance(field, serializers.BaseSerializer):
        kind = serializer_payload(type(field))
    elif isinstance(field, relations.ManyRelatedField):
        kind = list[_field_type(field.child_relation)]  # type: ignore[misc]
    elif isinstance(field, (drf_fields.ListField, drf_fields.DictField)):
        child = _field_type(field.child)
        kind = list[child] if isinstance(field, drf_fields.ListField) else dict[str, child]  # type: ignore[valid-type]
    elif isinstance(field, drf_fields.DecimalField):
        as_text = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        kind = str if as_text else float
    elif not isinstance(field, drf_fields.ChoiceField):
        kind = next((kind for base, kind in _SCALARS if isinstance(field, base)), Any)
    if getattr(field, "allow_null", False) and kind is not Any:
        kind = Optional[kind]  # noqa: UP045 - built at run time
    return kind


def serializer_payload(
    serializer_class: type[serializers.BaseSerializer[Any]], *, name: str | None = None
) -> type[BaseModel]:
    """A Pydantic model of what ``serializer_class(instance).data`` holds.

    One field per readable serializer field, typed from the DRF field (numbers, text,
    booleans, related keys, nested serializers, lists; ``Any`` for method fields and
    choices), optional where the field allows null. Extra keys are kept, so a
    representation the mapping does not fully know still goes out whole.

    Without ``name`` the model is named after the serializer (``RoomSerializer`` gives
    ``RoomPayload``) and made once per serializer class, so a serializer nested in
    several places is one schema.
    """
    if name is None:
        cached = _payloads.get(serializer_class)
        if cached is None:
            default = serializer_class.__name__.removesuffix("Serializer") + "Payload"
            cached = _payloads[serializer_class] = serializer_payload(
                serializer_class, name=default
            )
        return cached
    readable: dict[str, Any] = getattr(serializer_class(), "fields", {})
    definitions: dict[str, Any] = {
        field_name: (_field_type(field), ...)
        for field_name, field in readable.items()
        if not field.write_only
    }
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="allow"), **definitions)
    return model


class SerializerModelTopic(ModelTopic):
    """A :class:`~chanx.channels.model_topics.ModelTopic` whose payload is a DRF serializer's data.

    * ``serializer_class``: the serializer (usually the REST API's ``ModelSerializer``).
    * ``payload`` (optional): the Pydantic model describing its data; by default made
      from the serializer's fields (:func:`serializer_payload`).

    Override :meth:`serializer_context` to give the serializer a context (a
    ``HyperlinkedModelSerializer`` needs a ``request``, which a save from a command or
    a worker does not have).
    """

    serializer_class: ClassVar[type[serializers.BaseSerializer[Any]] | None] = None

    @classmethod
    def payload_type(cls) -> Any:
        """``payload`` if set, else a model of ``serializer_class``'s data."""
        if "payload" not in vars(cls) or cls.payload is None:
            serializer_class = cls.serializer_class
            if not (
                isinstance(serializer_class, type)
                and issubclass(serializer_class, serializers.BaseSerializer)
            ):
                raise HandlerDefinitionError(
                    f"{cls.__qualname__}.serializer_class must be a DRF serializer class "
                    f"(e.g. `serializer_class = RoomSerializer`); got {serializer_class!r}."
                )
            cls.payload = serializer_payload(serializer_class, name=f"{cls.__name__}Payload")
        return super().payload_type()

    @classmethod
    def serializer_context(cls, instance: Any) -> dict[str, Any]:
        """The serializer's ``context`` for ``instance`` (empty by default)."""
        return {}

    @classmethod
    def serialize(cls, instance: Any) -> Any:
        """``serializer_class(instance).data``, validated into the payload model."""
        assert cls.serializer_class is not None and cls.payload is not None
        data = cls.serializer_class(instance, context=cls.serializer_context(instance)).data
        return cls.payload.model_validate(dict(data))


__all__ = ["SerializerModelTopic", "serializer_payload"]
