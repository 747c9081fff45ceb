"""What both services' models share: the base Struct and decoding that never leaks a value.

The models are frozen msgspec Structs that mirror the services' JSON and declare only the fields
this package reports: msgspec decodes a body straight into them, checking each field's type,
and steps over everything else without building a Python object for it. A Seam device carries
kilobytes of vendor metadata, so that skipping is most of the speed.

Whatever needs a rule (a default name, a clamped battery level, a timestamp without a zone) is
a property that applies it when read, so the decoded values stay exactly what the service
sent. An object whose own fields have the wrong type is skipped and counted; the rest of the
response still parses. Missing optional fields and nulls become None, unknown fields are
ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta, Struct

from .errors import InvalidResponseError

type Identifier = Annotated[str, Meta(min_length=1)]


class Model(Struct, frozen=True, gc=False):
    """A decoded payload object: immutable, compared by value, never part of a cycle."""


def decode[T](body: bytes, decoder: msgspec.json.Decoder[T], what: str) -> T:
    """Decode `body` with `decoder`, raising `InvalidResponseError` naming `what` on failure.

    The message names the offending path (such as `$.devices[3].id`) but never a value, so no
    credential or personal data can reach a log through it.
    """
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as err:
        raise InvalidResponseError(f"{what} is malformed: {err}") from None
    except msgspec.DecodeError:
        raise InvalidResponseError(f"{what} is not JSON") from None
    except RecursionError:
        raise InvalidResponseError(f"{what} is nested too deeply") from None


def decode_whole[T](body: bytes, decoder: msgspec.json.Decoder[T], what: str) -> T | None:
    """Decode `body` with `decoder`; None when it is JSON but some value has the wrong type.

    A list answer that does not decode whole is then taken apart (see `decode_any`), so one
    malformed object costs only itself.
    """
    try:
        return decoder.decode(body)
    except msgspec.ValidationError:
        return None
    except msgspec.DecodeError:
        raise InvalidResponseError(f"{what} is not JSON") from None
    except RecursionError:
        raise InvalidResponseError(f"{what} is nested too deeply") from None


_ANY: Final = msgspec.json.Decoder()


def decode_any(body: bytes, what: str) -> Any:
    """`body` as plain JSON values, to be taken apart object by object."""
    return decode(body, _ANY, what)


def convert[T](raw: Any, model: type[T]) -> T | None:
    """`raw` (decoded JSON) as `model`, or None when it does not fit."""
    try:
        return msgspec.convert(raw, model)
    except msgspec.ValidationError, RecursionError:
        return None
