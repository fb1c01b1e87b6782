"""What the OpenAPI schema says beyond drf-spectacular's defaults, so that it tells the truth.

- Request bodies of serializers that refuse keys they do not declare (`refuses_unknown_fields`)
  say so: `additionalProperties: false`.
- Text that may not be blank may not be only spaces either (DRF trims it first): `pattern: \\S`
  beside the `minLength: 1` of a request's required text.
- Text that a service refuses when it is blank (`documented_non_blank`) is documented as
  text with something in it: `minLength: 1`, `pattern: \\S`.
- A field that accepts only codes of a reference table lists them (`documented_codes()`), so a
  client, and a test generating requests from the schema, knows which codes are accepted.
- An optional query parameter may be sent empty, which means the same as leaving it out (as DRF
  reads it): `allowEmptyValue: true`.
- Every operation under /api/ documents the errors any of them can answer whatever it does:
  406 `not_acceptable` (an `Accept` or `?format=` no renderer offers) and 503
  `service_unavailable` with `Retry-After` (plumbing/outages.py).
"""

from contextlib import suppress
from typing import Any

from django.db import DatabaseError
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from plumbing.api_errors import API_PREFIX, ErrorCode

COMMON_ERROR = "CommonError"

_COMMON_RESPONSES = {
    "406": (
        "`not_acceptable`: the `Accept` header or `?format=` asks for a type this operation "
        "does not answer in.",
        [ErrorCode.NOT_ACCEPTABLE],
        {},
    ),
    "503": (
        "`service_unavailable`: a service we depend on (the database, the broker, storage) is "
        "down. Nothing was saved; retry after `Retry-After` seconds.",
        [ErrorCode.SERVICE_UNAVAILABLE],
        {
            "Retry-After": {
                "schema": {"type": "integer", "minimum": 0},
                "description": "Seconds to wait before trying again.",
                "required": True,
            }
        },
    ),
}


class AutoSchema(SpectacularAutoSchema):
    """REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS."""

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if (
            isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("minLength") == 1
            and "pattern" not in schema
        ):
            # DRF trims text before it checks that it is not blank: only spaces are blank too.
            schema["pattern"] = r"\S"
        if getattr(field, "documented_non_blank", False):
            # drf-spectacular offers "" beside the constraints of a field that allows blank;
            # this one lets blank through only for the service to refuse it with its own code.
            alternatives = schema.pop("oneOf", None)
            if alternatives:
                schema.update(alternatives[0])
            schema.update(minLength=max(1, schema.get("minLength", 0)), pattern=r"\S")

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        documented_codes = getattr(field, "documented_codes", None)
        if callable(documented_codes) and isinstance(schema, dict):
            target = schema.get("items", schema)
            if isinstance(target, dict) and target.get("type") == "string":
                # Generated without a database (`manage.py spectacular` at build time), the
                # codes are left to the reference endpoints to tell.
                with suppress(DatabaseError):
                    target["enum"] = sorted(documented_codes())
        return schema


def document_common_errors(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the 406 and 503 of every operation under /api/."""
    codes = [code for _description, codes, _headers in _COMMON_RESPONSES.values() for code in codes]
    result.setdefault("components", {}).setdefault("schemas", {})[COMMON_ERROR] = {
        "type": "object",
        "description": "An error any operation can answer (plumbing/api_errors.py).",
        "properties": {
            "code": {"type": "string", "enum": [str(code) for code in codes]},
            "detail": {"type": "string", "description": "A sentence for a person."},
        },
        "required": ["code", "detail"],
    }
    reference = {"$ref": f"#/components/schemas/{COMMON_ERROR}"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # DRF reads an optional query parameter sent empty (`?city=`) as not sent.
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for status, (description, _codes, headers) in _COMMON_RESPONSES.items():
                response: dict[str, Any] = {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                }
                if headers:
                    response["headers"] = headers
                responses.setdefault(status, response)
    return result
