"""RFC 8785 canonical JSON, on the RFC's own examples."""
import json
import struct

import pytest

from aga_consulta.transparency.canonical import CanonicalError, dumps, loads

# RFC 8785 section 3.2.2: the input (as JSON text, so the numbers go through a JSON parser)
# and the canonical form.
RFC_3_2_2_INPUT = r'''{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}'''
RFC_3_2_2_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)

# RFC 8785 section 3.2.3: keys sort by their UTF-16 code units, not by code points.
RFC_3_2_3_INPUT = r'''{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}'''
RFC_3_2_3_KEYS = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001F600", "\ufb33"]

# RFC 8785 appendix B: IEEE 754 doubles (as hex) and their canonical text.
RFC_APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]
RFC_APPENDIX_B_INVALID = ["7fffffffffffffff", "7ff0000000000000"]  # NaN, Infinity


def _double(hex_bits):
    return struct.unpack(">d", bytes.fromhex(hex_bits))[0]


def test_the_rfc_structure_example_gives_the_rfc_bytes():
    assert dumps(json.loads(RFC_3_2_2_INPUT)) == RFC_3_2_2_OUTPUT.encode("utf-8")


def test_keys_sort_by_utf16_code_units_as_in_the_rfc():
    canonical = dumps(json.loads(RFC_3_2_3_INPUT))
    assert list(json.loads(canonical)) == RFC_3_2_3_KEYS
    # The RFC prints the result with the literal characters, \r escaped.
    assert canonical.decode("utf-8").startswith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')


@pytest.mark.parametrize("hex_bits, text", RFC_APPENDIX_B)
def test_numbers_serialise_as_in_the_rfc_appendix(hex_bits, text):
    assert dumps(_double(hex_bits)) == text.encode()


@pytest.mark.parametrize("hex_bits", RFC_APPENDIX_B_INVALID)
def test_nan_and_infinity_have_no_canonical_form(hex_bits):
    with pytest.raises(CanonicalError):
        dumps(_double(hex_bits))


@pytest.mark.parametrize("value, text", [
    ("\x00\x1f\x7f", '"\\u0000\\u001f\x7f"'),
    ("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'),
    ("é€😀", '"é€😀"'),
    ('"\\/', '"\\"\\\\/"'),
])
def test_strings_escape_only_what_the_rfc_requires(value, text):
    assert dumps(value) == text.encode("utf-8")


def test_a_lone_surrogate_has_no_canonical_form():
    with pytest.raises(CanonicalError):
        dumps({"text": "\ud800"})
    with pytest.raises(CanonicalError):
        dumps({"\ud800": 1})


def test_integers_beyond_double_precision_are_refused():
    assert dumps(2**53 - 1) == b"9007199254740991"
    with pytest.raises(CanonicalError):
        dumps(2**53 + 1)


def test_loads_accepts_canonical_text_and_returns_its_value():
    assert loads(b'{"a":[1,"x",null,true],"b":{}}') == {"a": [1, "x", None, True], "b": {}}
    assert loads('{"é":"ü"}') == {"é": "ü"}


@pytest.mark.parametrize("text", [
    b'{"b":1,"a":2}',         # keys out of order
    b'{"a": 1}',              # whitespace
    b'{"a":1,"a":1}',         # repeated key
    b'{"a":1.0}',             # not the shortest number
    b'{"a":"\\u00e9"}',       # needless escape
    b'{"a":NaN}',             # not JSON
    b'{"a":1}\n',             # trailing newline
    b'{"a":',                 # truncated
    b'\xff',                  # not UTF-8
    b'"\\ud800"',             # lone surrogate
])
def test_loads_refuses_text_that_is_not_canonical(text):
    with pytest.raises(CanonicalError):
        loads(text)
