"""Odd but valid JSON is kept: integers of any size exactly, bad strings repaired and counted."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tmdb_lake.exactjson import dumps_exact, has_long_integers, loads_body, loads_exact

BIG = 123456789012345678901234567890


@pytest.mark.parametrize(
    ("body", "expected", "repairs"),
    [
        (rb'{"t": "a\ud800b"}', "a\\ud800b", 1),  # lone high surrogate: six characters kept
        (rb'{"t": "a\uD800"}', "a\\uD800", 1),
        (rb'{"t": "\udc00x"}', "\\udc00x", 1),  # lone low surrogate
        (rb'{"t": "\ud800\ud83d\ude00"}', "\\ud800\U0001f600", 1),  # lone, then a valid pair
        (rb'{"t": "\ud83d\ude00"}', "\U0001f600", 0),  # a valid pair is not a repair
        (rb'{"t": "\\ud800"}', "\\ud800", 0),  # an escaped backslash: text already
        (rb'{"t": "\\\ud800"}', "\\\\ud800", 1),  # escaped backslash, then a lone surrogate
        (b'{"t": "caf\xe9"}', "caf\\xe9", 1),  # Latin-1, not UTF-8
        (b'{"t": "a\xff\xfeb"}', "a\\xff\\xfeb", 2),
        (b'{"t": "\xc3"}', "\\xc3", 1),  # a UTF-8 sequence cut short
        (b'{"t": "\xed\xa0\x80"}', "\\xed\\xa0\\x80", 3),  # a surrogate encoded as UTF-8
    ],
)
def test_undecodable_strings_are_kept_as_escape_text(body: bytes, expected: str, repairs: int):
    value, repaired = loads_body(body)
    assert value == {"t": expected}
    assert repaired == repairs
    assert orjson.loads(orjson.dumps(value)) == value  # the lake can write it


@pytest.mark.parametrize(
    "body",
    [
        rb'{"t": "a\ud800b", "n": 1',  # truncated: still broken after the repair
        b'{"t": 1}\xff',  # an invalid byte outside any string
        b"<html>502</html>",
        rb'{"t": "\ud800", "n": 12345678901234567890123',  # truncated, long digits
        b'{"n": 12345678901234567890123, "x": NaN}',  # orjson refuses NaN: so do we
        b'{"n": 12345678901234567890123, "x": 1e400}',  # and overflowing floats
    ],
)
def test_broken_json_stays_an_error(body: bytes):
    with pytest.raises(ValueError):
        loads_body(body)


def test_integers_beyond_64_bits_are_kept_exactly():
    body = (
        b'{"big": 123456789012345678901234567890, "neg": -9223372036854775809,'
        b' "u64": 18446744073709551615, "i64": 9223372036854775807, "small": 7,'
        b' "f": 0.5, "s": "1234567890123456789012345"}'
    )
    assert has_long_integers(body)
    value, repaired = loads_body(body)
    assert repaired == 0
    assert isinstance(value["big"], orjson.Fragment) and isinstance(value["neg"], orjson.Fragment)
    assert value["u64"] == 2**64 - 1 and value["i64"] == 2**63 - 1 and value["small"] == 7
    written = orjson.dumps(value)  # what the writer does: Fragments go out verbatim
    assert b'"big":123456789012345678901234567890' in written
    assert b'"neg":-9223372036854775809' in written
    assert json.loads(written) == json.loads(body)  # the stdlib reads ints exactly
    assert loads_exact(written) == json.loads(body)


def test_long_digits_and_a_bad_string_in_one_body():
    value, repaired = loads_body(b'{"big": 123456789012345678901234567890, "t": "\xff\\ud800"}')
    assert repaired == 2
    assert loads_exact(orjson.dumps(value)) == {"big": BIG, "t": "\\xff\\ud800"}


def test_dumps_exact_writes_python_big_ints_like_orjson_writes_the_rest():
    value = {"big": BIG, "nested": [{"neg": -(2**70)}, True, None, 1.25, "é"]}
    compact = dumps_exact(value)
    assert compact == (
        b'{"big":123456789012345678901234567890,'
        b'"nested":[{"neg":-1180591620717411303424},true,null,1.25,"\xc3\xa9"]}'
    )
    assert dumps_exact(value, indent=True) == orjson.dumps(
        json.loads(compact, parse_int=lambda s: orjson.Fragment(s.encode())),
        option=orjson.OPT_INDENT_2,
    )
    assert dumps_exact({"ok": 1}) == orjson.dumps({"ok": 1})
    with pytest.raises(TypeError):  # anything else orjson refuses is still refused
        dumps_exact({"x": object()})


def test_absurdly_long_integers_stay_exact_without_int_conversion():
    digits = "9" * 5000  # Python's int() refuses over 4,300 digits
    value, _ = loads_body(b'{"n": ' + digits.encode() + b"}")
    written = orjson.dumps(value)
    assert written == b'{"n":' + digits.encode() + b"}"
    assert orjson.dumps(loads_exact(written)) == written


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_any_json_value_round_trips_exactly(value: Any):
    written = dumps_exact(value)
    assert json.loads(written) == value
    assert loads_exact(written) == value
    parsed, repaired = loads_body(written)
    assert repaired == 0
    assert orjson.dumps(parsed) == written


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=30),  # lone surrogates included ("Cs")
    bad=st.binary(max_size=6),
    at=st.integers(min_value=0, max_value=40),
)
def test_any_bad_string_is_repaired_into_something_orjson_writes(text: str, bad: bytes, at: int):
    def escaped(part: str) -> bytes:  # ASCII; the stdlib escapes lone surrogates as \udXXX
        return json.dumps(part).encode()[1:-1]

    cut = min(at, len(text))
    injected = bad.replace(b'"', b"").replace(b"\\", b"")
    body = b'{"s": "' + escaped(text[:cut]) + injected + escaped(text[cut:]) + b'", "n": 1}'
    try:
        value, _ = loads_body(body)
    except ValueError:
        # only a control character among the injected bytes may make it invalid JSON
        assert any(byte < 0x20 for byte in bad)
        return
    assert value["n"] == 1
    assert orjson.loads(orjson.dumps(value)) == value
