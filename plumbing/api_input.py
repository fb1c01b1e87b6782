"""JSON request bodies are read as the OpenAPI schema describes them, with JSON's own types.

DRF's fields are lenient by design: a CharField takes the number 5 as "5", an IntegerField the
string "5", a BooleanField 0, "yes" or "off". The schema says `string`, `integer`, `boolean`;
a client that sends something else has made a mistake it should hear about (a consent sent as
"no" read as a yes would be worse than a refusal). The strict input serializers of every API
(`StrictInputSerializer` below, `intake.api.serializers.StrictFieldsMixin`) call
`json_type_errors` before DRF reads the values.

Only JSON bodies are checked: query parameters and form fields are text by nature.

The staff APIs' input serializers (cases, reports) derive from `StrictInputSerializer`, which
also refuses keys it does not declare; `CommaListField` and `CodeListField` read the query
parameters that list values.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

# (field class, the JSON types it takes). Subclasses first: BooleanField is not an int here.
_JSON_TYPES: list[tuple[type[serializers.Field], tuple[type, ...]]] = [
    (serializers.BooleanField, (bool,)),
    (serializers.IntegerField, (int,)),
    (serializers.FloatField, (int, float)),
    (serializers.CharField, (str,)),
]


def _accepts(field: serializers.Field, value: Any) -> bool:
    if value is None:
        return True  # DRF decides on null (allow_null) with its own message
    if isinstance(field, serializers.DecimalField):
        # Described as a number unless it is written as a string (coerce_to_string).
        if field.coerce_to_string:
            return True
        return isinstance(value, int | float) and not isinstance(value, bool)
    for kind, types in _JSON_TYPES:
        if isinstance(field, kind):
            return isinstance(value, types) and (bool in types or not isinstance(value, bool))
    return True


def json_type_errors(serializer: serializers.Serializer, data: Any) -> dict[str, Any]:
    """For each declared field of `serializer` whose value in the JSON object `data` is not of
    the field's JSON type, the field's own `invalid` message (for a list, by the index of each
    such item). Empty when `data` is not a JSON object (a query string, a form)."""
    if not isinstance(data, Mapping) or hasattr(data, "getlist"):
        return {}
    errors: dict[str, Any] = {}
    for name, field in serializer.fields.items():
        if field.read_only or name not in data:
            continue
        value = data[name]
        if isinstance(field, serializers.ListField) and isinstance(value, list):
            # By item, as DRF names the errors of a list's items.
            wrong = {
                index: [_invalid(field.child)]
                for index, item in enumerate(value)
                if not _accepts(field.child, item)
            }
            if wrong:
                errors[name] = wrong
        elif not _accepts(field, value):
            errors[name] = [_invalid(field)]
    return errors


def _invalid(field: serializers.Field) -> ErrorDetail:
    return ErrorDetail(str(field.error_messages["invalid"]), code="invalid")


class StrictInputSerializer(serializers.Serializer):
    """Refuses keys it does not declare, so a misspelt field or parameter is an error instead
    of being silently ignored."""

    ignored_keys: frozenset[str] = frozenset()
    # Read by the OpenAPI schema (plumbing/api_schema.py): `additionalProperties: false`.
    refuses_unknown_fields = True

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - self.ignored_keys)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("Unknown field.")] for key in unknown[:20]}
                )
        wrong_types = json_type_errors(self, data)
        if wrong_types:
            raise serializers.ValidationError(wrong_types)
        return super().to_internal_value(data)


class QueryParametersSerializer(StrictInputSerializer):
    """The query parameters of a GET: unknown ones refused, each of `given_once` at most once (a
    query string may repeat any key), and the two dates of `date_range` (first, last) in
    order."""

    given_once: tuple[str, ...] = ()
    date_range: tuple[str, str] | None = None

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "getlist"):
            repeated = [key for key in self.given_once if len(data.getlist(key)) > 1]
            if repeated:
                raise serializers.ValidationError(
                    {key: [_("Give this parameter once.")] for key in repeated}
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.date_range is not None:
            first, last = self.date_range
            start, end = attrs.get(first), attrs.get(last)
            if start and end and start > end:
                raise serializers.ValidationError(
                    {last: [_("Must not be before %(first)s.") % {"first": first}]}
                )
        return attrs


class CommaListField(serializers.ListField):
    """A query parameter given repeatedly (`?status=new&status=triaged`) or comma-separated
    (`?status=new,triaged`)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list | tuple):
            # The limit counts the values as sent (the schema's `maxItems`), before repeats are
            # dropped; the validators count the values that remain.
            if self.max_length is not None and len(data) > self.max_length:
                self.fail("max_length", max_length=self.max_length)
            data = [part.strip() for item in data for part in str(item).split(",") if part.strip()]
        return list(dict.fromkeys(super().to_internal_value(data)))


class CodeListField(CommaListField):
    """Codes of a reference table; unknown codes are refused by name."""

    def __init__(self, *, queryset: QuerySet[Any], **kwargs: Any) -> None:
        self.queryset = queryset
        kwargs.setdefault("child", serializers.CharField(max_length=40))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def documented_codes(self) -> list[str]:
        """Every code accepted, listed in the OpenAPI schema (plumbing/api_schema.py)."""
        return list(self.queryset.values_list("code", flat=True))

    def to_internal_value(self, data: Any) -> list[str]:
        codes = super().to_internal_value(data)
        known = set(self.queryset.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(_("Unknown code: %s.") % ", ".join(unknown))
        return codes
