"""Model fields that keep what identifies people sealed in the database (plumbing/keys/sealing.py).

A model with sealed fields has a `data_key` column (`DataKeyField`): the id of the data key in
the key store that seals its row. A report makes its own; the rows that belong to a report (its
complainants, encounter, witnesses, ...) copy their report's when they are created, so a row is
opened with what it holds itself, without reading its report again, and simple-history copies the
key id into each history row with the rest.

`SealedTextField` stores `seal(data_key, text, context=b"<app>.<model>.<field>")`; the context is
the live model's even in its history table, so a history row opens like the row it copies. The
value read from the database is a `SealedText` (a `str` holding the ciphertext, what
`.values_list()` gives too); the attribute opens it the first time it is read and keeps the plain
text on the instance. Saving seals again only what changed: a value read and saved unchanged
keeps its ciphertext, and sealing the same instance's same value twice gives the same string.
"""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from plumbing.keys import store
from plumbing.keys.sealing import is_sealed, seal, unseal

KEY_FIELD = "data_key"
# Where an instance keeps, per sealed field, the plain value and its ciphertext.
_SEALED = "_sealed_values"


class SealedText(str):
    """A value as the database holds it: sealed. `str()` of it is the stored ciphertext."""

    __slots__ = ()


class DataKeyField(models.UUIDField):
    """The id of the data key that seals this row. `source` names the foreign key whose row's
    key this row shares (copied at creation); without it, the row makes a key of its own when it
    is first saved."""

    # What the type checker's Django plugin lets instances hold: None until the first save.
    _pyi_private_set_type: uuid.UUID | str | None  # type: ignore[assignment]
    _pyi_private_get_type: uuid.UUID | None  # type: ignore[assignment]

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        # A plain UUID column to migrations: where the key comes from is code, not schema.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.UUIDField", args, kwargs

    def resolve(self, instance: models.Model) -> uuid.UUID:
        key: uuid.UUID | None = getattr(instance, self.attname)
        if key is not None:
            return key
        if self.source:
            key = key_of(getattr(instance, self.source))
        else:
            key = store.create_key()
            if not instance._state.adding and instance.pk is not None:
                # A row made before rows had keys: of two callers at once, the second takes
                # the first's.
                manager = type(instance)._base_manager
                rows = manager.filter(pk=instance.pk, **{f"{self.attname}__isnull": True})
                if not rows.update(**{self.attname: key}):
                    store.destroy_keys([key])
                    key = manager.values_list(self.attname, flat=True).get(pk=instance.pk)
        assert key is not None  # noqa: S101 - made, copied or read above
        setattr(instance, self.attname, key)
        return key

    def pre_save(self, model_instance: models.Model, add: bool) -> uuid.UUID:
        return self.resolve(model_instance)


def key_of(instance: models.Model) -> uuid.UUID:
    """The id of the data key that seals `instance` (made or copied from its parent row when it
    has none yet)."""
    field = instance._meta.get_field(KEY_FIELD)
    assert isinstance(field, DataKeyField)  # noqa: S101 - a sealed model's key column
    return field.resolve(instance)


class _SealedAttribute(DeferredAttribute):
    """Opens a sealed value on first read and keeps the plain value on the instance."""

    field: "SealedTextField"

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        name = self.field.attname
        if name not in data:
            super().__get__(instance, cls)  # a deferred column: loaded here, as Django does
        value = data[name]
        if isinstance(value, SealedText):
            plain = self.field.from_text(
                unseal(key_of(instance), str(value), context=self.field.context)
            )
            data[name] = plain
            data.setdefault(_SEALED, {})[name] = (plain, value)
            return plain
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class SealedTextField(models.TextField):
    """Text sealed with its row's data key. `max_length` is checked on the plain text (forms,
    `full_clean`); the column is unbounded, as the ciphertext is longer."""

    descriptor_class = _SealedAttribute
    context: bytes

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            # As CharField does: checked on the plain text, not part of the schema.
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        # History models copy the live model's field (with its context) before contributing it.
        if "context" not in self.__dict__:
            self.context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}".encode()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str) and is_sealed(value):
            return SealedText(value)
        return value

    def to_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_text(self, text: str) -> Any:
        return text

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None or isinstance(value, SealedText):
            return value
        text = self.to_text(value)
        if text == "":
            return ""
        sealed = model_instance.__dict__.setdefault(_SEALED, {})
        known = sealed.get(self.attname)
        if known is not None and known[0] == value:
            return known[1]
        value_sealed = SealedText(seal(key_of(model_instance), text, context=self.context))
        sealed[self.attname] = (value, value_sealed)
        return value_sealed

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return str(value)


class SealedDecimalField(SealedTextField):
    """A decimal (coordinates) sealed as its text; reads back as a Decimal, or None."""

    # What the type checker's Django plugin lets instances hold.
    _pyi_private_set_type: Decimal | int | str | None  # type: ignore[assignment]
    _pyi_private_get_type: Decimal | None  # type: ignore[assignment]

    def __init__(self, *args: Any, places: int = 6, **kwargs: Any) -> None:
        self.places = places
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["places"] = self.places
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, SealedText):
            return value
        try:
            return Decimal(str(value))
        except InvalidOperation as error:
            raise ValidationError(_("Enter a number."), code="invalid") from error

    def to_text(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-self.places))
        return f"{number:f}"

    def from_text(self, text: str) -> Any:
        return Decimal(text) if text else None

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None or value == "":
            return None
        return super().pre_save(model_instance, add)


def open_value(model: type[models.Model], name: str, key: uuid.UUID | None, value: Any) -> Any:
    """The plain value of `model`'s sealed field `name` as `.values()` or `.values_list()` read
    it (ciphertext), with the row's `key`."""
    field = model._meta.get_field(name)
    assert isinstance(field, SealedTextField)  # noqa: S101 - only sealed fields are opened
    if not isinstance(value, str) or not is_sealed(value) or key is None:
        return field.from_text(value) if isinstance(value, str) else value
    return field.from_text(unseal(key, str(value), context=field.context))
