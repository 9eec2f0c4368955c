"""C2SP signed notes, checkpoints and promises: the Go known answer, and strict reading."""
import base64
from datetime import datetime

import pytest

from aga_consulta.transparency import note as note_module
from aga_consulta.transparency.note import (
    BadSignature, Checkpoint, MalformedCheckpoint, MalformedKey, MalformedNote, MalformedPromise, Promise,
    Signer, UnverifiedNote, Verifier, key_hash, open_checkpoint, open_note, open_promise, sign_checkpoint,
    sign_note, sign_promise,
)
from tests.transparency.vector_cases import signed_note_kat

KAT = signed_note_kat()
ROOT = bytes(range(32))


@pytest.fixture
def signer():
    return Signer.parse(KAT["signer_key"])


@pytest.fixture
def verifier():
    return Verifier.parse(KAT["verifier_key"])


# --- the known answer ----------------------------------------------------------------------

def test_the_signer_key_gives_the_known_verifier_key(signer):
    assert str(signer.verifier) == KAT["verifier_key"]
    assert str(signer) == KAT["signer_key"]
    assert str(Verifier.parse(KAT["verifier_key"])) == KAT["verifier_key"]


def test_signing_the_known_text_gives_the_known_note_byte_for_byte(signer):
    assert sign_note(KAT["text"], signer).encode("utf-8") == KAT["signed_note"].encode("utf-8")


def test_the_known_note_opens_with_the_known_verifier_key(verifier):
    note = open_note(KAT["signed_note"].encode("utf-8"), [verifier])
    assert note.text == KAT["text"]
    assert [(s.name, f"{s.key_hash:08x}") for s in note.signatures] == [("PeterNeumann", "c74f20a3")]
    assert note.unverified == ()


def test_the_key_hash_is_the_first_four_bytes_of_the_named_key(verifier):
    assert key_hash("PeterNeumann", b"\x01" + verifier.public_key) == 0xC74F20A3


def test_the_signer_key_hides_in_repr(signer):
    assert "PRIVATE" not in repr(signer) and "AYEK" not in repr(signer)


# --- strict reading of notes ---------------------------------------------------------------

def _other_signer(name="other.example/log"):
    return Signer(name, bytes(range(1, 33)))


def test_a_note_signed_only_by_an_unknown_key_is_refused(verifier):
    with pytest.raises(UnverifiedNote):
        open_note(sign_note("hello\n", _other_signer()), [verifier])


def test_a_note_by_a_known_and_an_unknown_key_keeps_the_unknown_aside(signer, verifier):
    other = _other_signer()
    note = open_note(sign_note("hello\n", other, signer), [verifier])
    assert [s.name for s in note.signatures] == ["PeterNeumann"]
    assert [s.name for s in note.unverified] == [other.name]


def test_an_altered_text_fails_the_known_signature(signer, verifier):
    forged = sign_note("hello\n", signer).replace("hello", "hallo")
    with pytest.raises(BadSignature):
        open_note(forged, [verifier])


def test_a_key_with_the_same_name_and_hash_but_another_key_fails(signer, verifier):
    impostor = Verifier(verifier.name, verifier.key_hash, _other_signer().verifier.public_key)
    with pytest.raises(BadSignature):
        open_note(sign_note("hello\n", signer), [impostor])


SIGNATURE = KAT["signed_note"].split("\n\n")[1]


@pytest.mark.parametrize("message", [
    "hello\n",                                              # no signatures
    "hello\n\n",                                            # an empty signature block
    "hello\n" + "\n" + SIGNATURE.rstrip("\n"),              # no final newline
    "hello\n\n- PeterNeumann AAAA\n",                       # a hyphen, not an em dash
    "hello\n\n\u2014 PeterNeumann\n",                       # no signature
    "hello\n\n\u2014 PeterNeumann !!!!\n",                  # not base64
    "hello\n\n\u2014 PeterNeumann AAAAAA==\n",              # shorter than a key hash and a byte
    "hello\n\n\u2014 Peter+Neumann AAAAAAAA\n",             # a '+' in the name
    "hel\tlo\n\n" + SIGNATURE,                              # a control character
    "hello\n\n" + SIGNATURE + "trailing\n",                 # a line that is no signature
    "hello\n\n" + SIGNATURE * 101,                          # too many signatures
])
def test_malformed_notes_are_refused(message, verifier):
    with pytest.raises(MalformedNote):
        open_note(message, [verifier])


def test_invalid_utf8_is_refused(verifier):
    with pytest.raises(MalformedNote):
        open_note(b"hello \xff\n\n" + SIGNATURE.encode(), [verifier])


@pytest.mark.parametrize("text", ["no newline", "tab\tinside\n", "cr\r\n"])
def test_texts_that_no_note_may_hold_are_not_signed(text, signer):
    with pytest.raises(MalformedNote):
        sign_note(text, signer)


def test_a_note_may_hold_blank_lines_in_its_text(signer, verifier):
    text = "first\n\nthird\n"
    assert open_note(sign_note(text, signer), [verifier]).text == text


# --- key strings ---------------------------------------------------------------------------

VERIFIER_KEY = KAT["verifier_key"]
NAME, HASH, KEY = VERIFIER_KEY.split("+", 2)


@pytest.mark.parametrize("text", [
    f"{NAME}+{HASH}",                                          # two parts
    f"{NAME}+{HASH}+{KEY}+extra",                              # four parts
    f"{NAME}+{HASH.upper()}+{KEY}",                            # upper-case hash
    f"{NAME}+c74f20a4+{KEY}",                                  # wrong hash
    f"Peter Neumann+{HASH}+{KEY}",                             # a space in the name
    f"+{HASH}+{KEY}",                                          # no name
    f"{NAME}+{HASH}+{KEY[:-1]}",                               # broken base64
    f"{NAME}+{HASH}+" + base64.b64encode(b"\x02" + bytes(32)).decode(),   # another algorithm
    f"{NAME}+{HASH}+" + base64.b64encode(b"\x01" + bytes(31)).decode(),   # a short key
])
def test_malformed_verifier_keys_are_refused(text):
    with pytest.raises(MalformedKey):
        Verifier.parse(text)


def test_a_signer_key_whose_hash_is_not_its_public_key_is_refused():
    parts = KAT["signer_key"].split("+")
    parts[3] = "00000000"
    with pytest.raises(MalformedKey):
        Signer.parse("+".join(parts))
    with pytest.raises(MalformedKey):
        Signer.parse(KAT["signer_key"].replace("PRIVATE+KEY", "PUBLIC+KEY"))
    with pytest.raises(MalformedKey):
        Signer.parse(VERIFIER_KEY)


def test_a_generated_key_signs_what_its_verifier_key_opens():
    signer = Signer.generate("aga.example/transparency")
    again = Signer.parse(str(signer))
    verifier = Verifier.parse(str(again.verifier))
    assert open_note(sign_note("x\n", signer), [verifier]).text == "x\n"


# --- checkpoints ---------------------------------------------------------------------------

def test_the_c2sp_example_checkpoint_parses():
    checkpoint = Checkpoint.parse("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    assert (checkpoint.origin, checkpoint.size, len(checkpoint.root_hash)) == ("example.com/behind-the-sofa", 20852163, 32)
    assert checkpoint.text() == "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_a_signed_checkpoint_opens_to_the_same_checkpoint(signer, verifier):
    checkpoint = Checkpoint("aga.example/transparency/plan", 42, ROOT, ("extension one",))
    message = sign_checkpoint(checkpoint, signer)
    assert message.startswith("aga.example/transparency/plan\n42\n" + base64.b64encode(ROOT).decode() + "\nextension one\n\n\u2014 ")
    assert open_checkpoint(message, [verifier]) == checkpoint


ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize("text", [
    f"origin\n42\n{ROOT_B64}",                   # no final newline
    f"origin\n42\n",                             # no root
    f"\n42\n{ROOT_B64}\n",                       # empty origin
    f"origin\n042\n{ROOT_B64}\n",                # leading zero
    f"origin\n-1\n{ROOT_B64}\n",                 # negative
    f"origin\n+1\n{ROOT_B64}\n",                 # sign
    f"origin\n 1\n{ROOT_B64}\n",                 # space
    f"origin\n18446744073709551616\n{ROOT_B64}\n",   # past 64 bits
    f"origin\n42\n{base64.b64encode(bytes(31)).decode()}\n",   # short root
    f"origin\n42\n{ROOT_B64[:-1]}\n",            # broken base64
    f"origin\n42\n{ROOT_B64}\n\n",               # empty extension line
])
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(MalformedCheckpoint):
        Checkpoint.parse(text)


def test_a_checkpoint_with_a_newline_in_its_origin_is_not_written():
    with pytest.raises(MalformedCheckpoint):
        Checkpoint("evil\n999", 1, ROOT).text()


# --- promises ------------------------------------------------------------------------------

def test_a_signed_promise_opens_to_the_same_promise(signer, verifier):
    promise = Promise("aga.example/transparency/plan", ROOT, datetime(2026, 3, 1, 12, 30, 5), 60)
    message = sign_promise(promise, signer)
    assert message.startswith(f"aga.example/transparency/plan\ninclusion promise\n{ROOT_B64}\n2026-03-01T12:30:05Z\n60\n\n")
    assert open_promise(message, [verifier]) == promise


def test_a_promise_is_never_read_as_a_checkpoint_nor_the_reverse(signer, verifier):
    promise = sign_promise(Promise("o", ROOT, datetime(2026, 3, 1), 10), signer)
    with pytest.raises(MalformedCheckpoint):
        open_checkpoint(promise, [verifier])
    with pytest.raises(MalformedPromise):
        open_promise(sign_checkpoint(Checkpoint("o", 10, ROOT), signer), [verifier])


@pytest.mark.parametrize("text", [
    f"o\ninclusion promise\n{ROOT_B64}\n2026-03-01T12:30Z\n60\n",        # minutes only
    f"o\ninclusion promise\n{ROOT_B64}\n2026-02-30T12:30:00Z\n60\n",     # no such day
    f"o\ninclusion promise\n{ROOT_B64}\n2026-03-01T12:30:00Z\n-1\n",     # negative delay
    f"o\ninclusion promise\n{ROOT_B64}\n2026-03-01T12:30:00Z\n60\nx\n",  # an extra line
    f"o\npromise\n{ROOT_B64}\n2026-03-01T12:30:00Z\n60\n",               # another kind
])
def test_malformed_promises_are_refused(text):
    with pytest.raises(MalformedPromise):
        Promise.parse(text)


def test_a_second_signature_keeps_the_first_and_is_added_once(signer, verifier):
    other = Signer.generate("other.example/log")
    note = sign_note(KAT["text"], signer)
    both = note_module.add_signature(note, other)
    assert both.startswith(sign_note(KAT["text"], other)) and both.endswith(note[len(KAT["text"]) + 1:])
    assert open_note(both, [verifier]).text == open_note(both, [other.verifier]).text == KAT["text"]
    assert note_module.add_signature(both, other) == both
    assert note_module.add_signature(both, signer) == sign_note(KAT["text"], signer, other)


@pytest.mark.parametrize("message", ["no blank line\n", "text\n\nnot a signature\n", "text\n\n"])
def test_a_signature_is_not_added_to_a_malformed_note(message, signer):
    with pytest.raises(MalformedNote):
        note_module.add_signature(message, signer)
