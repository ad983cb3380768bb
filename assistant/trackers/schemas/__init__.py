"""Every tracker answer the app reads, through a schema: a value, or ``UnreadableAnswer``.

One rule for every adapter and endpoint (``read_answer``): the decoded JSON of a 2xx answer
is validated against the pydantic model of that endpoint (``schemas.redmine``,
``schemas.jira`` …, written from each tracker's documented API) before the adapter uses it.
What does not fit raises ``UnreadableAnswer`` naming the tracker, the method and the path,
and what is wrong ("issues: not a list") — never the content, which may hold anything.
``UnreadableAnswer`` is retryable: an answer that cannot be understood is not a "no", so a
lookup that gets one does not report "not found" and the outbox waits and looks again. To a
write it is ``UnreadableWriteAnswer``, an unknown outcome.

The models ask for what the app needs: identifiers and the containers a lookup walks are
required and strictly typed (a ``"12"`` or ``true`` is not an issue number, ``{}`` is not a
page of issues); text the app only shows is lenient (``null`` reads as ''); fields the app
does not read are ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from assistant.trackers.base import UnreadableAnswer, UnreadableWriteAnswer

M = TypeVar("M")


class Answer(BaseModel):
    """A part of a tracker's answer: typed as JSON types it (strict), unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, strict=True)


def _none_as_empty(value: object) -> object:
    return "" if value is None else value


def _none_as_false(value: object) -> object:
    return False if value is None else value


#: text the app shows or searches (a title, a comment): ``null`` reads as ''
Text = Annotated[StrictStr, BeforeValidator(_none_as_empty)]
#: a flag that trackers sometimes send as ``null``
Flag = Annotated[StrictBool, BeforeValidator(_none_as_false)]
#: a tracker's positive issue number (``#12``): an integer, never text or a boolean
Number = Annotated[StrictInt, Field(ge=1)]
#: a timestamp as the tracker wrote it (parsed where it is used: ``parse_timestamp``)
Stamp = StrictStr | None
#: an identifier some trackers send as a number and others as text (comment ids)
AnyId = StrictInt | StrictStr | None
#: a key that names something (a Jira issue key): text, not blank
Key = Annotated[StrictStr, Field(min_length=1, max_length=255)]


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(shape: Any) -> TypeAdapter[Any]:
    """The validator of ``shape``, built once (building one costs far more than using it)."""
    made = _ADAPTERS.get(shape)
    if made is None:
        made = _ADAPTERS[shape] = TypeAdapter(shape)
    return made


def read_answer(
    shape: type[M],
    data: object,
    *,
    tracker: str,
    endpoint: str,
    write: bool = False,
    status: int | None = None,
) -> M:
    """``data`` (a decoded JSON answer) as ``shape``; ``UnreadableAnswer`` when it does not
    fit (``UnreadableWriteAnswer`` for the answer to a write)."""
    try:
        value: M = _adapter(shape).validate_python(data)
    except ValidationError as exc:
        error = UnreadableWriteAnswer if write else UnreadableAnswer
        raise error(tracker, endpoint, describe(exc, data), status=status) from None
    except RecursionError:
        error = UnreadableWriteAnswer if write else UnreadableAnswer
        raise error(tracker, endpoint, "nested too deeply", status=status) from None
    return value


_PHRASES = {
    "missing": "missing",
    "list_type": "not a list",
    "model_type": "not an object",
    "model_attributes_type": "not an object",
    "dict_type": "not an object",
    "int_type": "not a whole number",
    "int_parsing": "not a whole number",
    "int_from_float": "not a whole number",
    "string_type": "not text",
    "bool_type": "not true or false",
    "greater_than_equal": "out of range",
    "greater_than": "out of range",
    "string_too_short": "empty",
    "string_too_long": "too long",
    "too_short": "too short",
    "too_long": "too long",
}


def describe(exc: ValidationError, data: object) -> str:
    """What is wrong, as "issues: not a list" (where, what); the first problem and a count."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:  # pragma: no cover - pydantic always lists at least one
        return "unexpected shape"
    first = errors[0]
    more = len(errors) - 1
    tail = f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""
    if first["type"] == "value_error":
        what = str(first["msg"]).removeprefix("Value error, ")
        return f"{_where(first['loc']) or 'the answer'}: {what}{tail}"
    if not first["loc"]:
        expected = _EXPECTED.get(first["type"], "what the app reads")
        return f"the answer is {_kind(data)}, not {expected}{tail}"
    what = _PHRASES.get(first["type"], str(first["msg"]).lower())
    return f"{_where(first['loc'])}: {what}{tail}"


_EXPECTED = {
    "list_type": "a list",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
}


def _where(loc: tuple[int | str, ...]) -> str:
    """``("issues", 0, "id")`` → ``issues[0].id``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "list[", "dict[", "union[", "nullable[")):
            continue  # a validator's own name in the location, not a field
        else:
            out += f".{part}" if out else str(part)
    return out


def _kind(data: object) -> str:
    """What the answer is instead, in a word (never its content)."""
    if data is None:
        return "empty"
    if isinstance(data, bool):
        return "true or false"
    if isinstance(data, int | float):
        return "a number"
    if isinstance(data, str):
        return "text"
    if isinstance(data, list):
        return "a list"
    if isinstance(data, dict):
        return "an object"
    return type(data).__name__


__all__ = [
    "Answer",
    "AnyId",
    "Flag",
    "Key",
    "Number",
    "Stamp",
    "Text",
    "describe",
    "read_answer",
]
