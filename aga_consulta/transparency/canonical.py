"""RFC 8785 canonical JSON (JCS) through the maintained `rfc8785` package.

Every log entry is hashed as these bytes: two programs that agree on an entry's value agree
on its bytes, so anyone can recompute a leaf hash from the entry's fields.
"""
import json

import rfc8785


class CanonicalError(ValueError):
    """A value without a canonical JSON form, or text that is not in canonical form."""


def dumps(value):
    """Return the RFC 8785 canonical JSON of `value` as UTF-8 bytes."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError) as error:
        # UnicodeEncodeError: a lone surrogate in a key, which rfc8785 sorts before it checks.
        raise CanonicalError(f"no canonical JSON for this value: {error}") from None


def _no_duplicate_keys(pairs):
    value = dict(pairs)
    if len(value) != len(pairs):
        raise CanonicalError("an object repeats a key")
    return value


def _no_constant(name):
    raise CanonicalError(f"{name} is not JSON")


def loads(data):
    """Parse `data` (bytes or str) and return its value, if and only if it is canonical JSON.

    Canonical means byte for byte what `dumps` gives for the parsed value: no whitespace,
    keys sorted and unique, shortest number forms, minimal escapes.
    """
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise CanonicalError("the text is not valid Unicode") from None
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicate_keys,
                           parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise CanonicalError("the bytes are not UTF-8") from None
    except json.JSONDecodeError as error:
        raise CanonicalError(f"not JSON: {error}") from None
    if dumps(value) != data:
        raise CanonicalError("JSON, but not in RFC 8785 canonical form")
    return value
