"""`{{ text|css_string }}`: text as a quoted CSS string, for the `content` of a PDF's page
margins (a running header or footer in the reader's language)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def css_string(value: object) -> SafeString:
    """Every character but letters, digits and spaces written as a CSS escape, so the text can
    neither end the string nor the style sheet (`</style>`). Each escape ends with a space,
    which CSS reads as the escape's end, not as text."""
    text = str(value)
    escaped = "".join(
        char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in text
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every other character is escaped above
