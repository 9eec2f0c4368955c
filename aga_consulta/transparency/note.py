"""C2SP signed notes with Ed25519, and the two bodies the log signs: checkpoints and promises.

A signed note (c2sp.org/signed-note, the format of golang.org/x/mod/sumdb/note) is a UTF-8
text ending in a newline, a blank line, and signature lines `— <key name> <base64(key hash
|| signature)>`. The key hash is the first 4 bytes (big-endian) of SHA-256(name || 0x0A ||
0x01 || public key). Keys travel as strings: the verifier key `name+hash+base64(0x01 ||
public key)` and the signer key `PRIVATE+KEY+name+hash+base64(0x01 || seed)`.

A checkpoint (c2sp.org/tlog-checkpoint) is a note whose text is the origin line, the tree
size and the base64 root hash, then optional extension lines. A promise is this project's
signed promise of inclusion (the role of CT's SCT): the origin, the line `inclusion
promise`, the entry's base64 leaf hash, the time and the maximum merge delay in seconds.
Its second line is not a number, so no checkpoint parser reads a promise as a checkpoint.

Reading is strict: anything malformed, a note without a valid signature by a known key, and
a known key's bad signature are refused with a NoteError naming the fault. Signatures by
unknown keys are kept aside, as the specification requires (witnesses may cosign).
"""
import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGORITHM_ED25519 = 0x01
#: Signature lines read per note (the specification asks for at least 16; Go reads 100).
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "
PROMISE_LINE = "inclusion promise"
HASH_SIZE = 32

_HEX8 = re.compile(r"[0-9a-f]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_UINT64_MAX = 2**64 - 1


class NoteError(ValueError):
    """A note, key, checkpoint or promise that cannot be trusted or read."""


class MalformedNote(NoteError):
    """The text is not a well-formed signed note."""


class MalformedKey(NoteError):
    """A key string that is not a well-formed Ed25519 signer or verifier key."""


class UnverifiedNote(NoteError):
    """No signature of the note is by a known key."""


class BadSignature(NoteError):
    """A known key's signature does not verify: the note was altered or forged."""


class MalformedCheckpoint(NoteError):
    """The note's text is not a C2SP tlog-checkpoint."""


class MalformedPromise(NoteError):
    """The note's text is not an inclusion promise."""


def valid_key_name(name):
    """True for a key name the specification allows: non-empty, no Unicode space, no '+'.

    Control characters, which no note may hold, are refused too.
    """
    return (isinstance(name, str) and name != "" and "+" not in name
            and not any(character.isspace() or character < " " for character in name) and _encodable(name))


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def key_hash(name, key):
    """Return the key hash: the first 4 bytes of SHA-256(name || 0x0A || key), big-endian.

    `key` is the algorithm byte followed by the public key.
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8") + b"\n" + key).digest()[:4], "big")


def _b64decode(text, what, error):
    # Canonical base64 only: re-encoding must give the same text (no stray bits or padding).
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{what} is not base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise error(f"{what} is not in canonical base64")
    return data


def _b64(data):
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 verifier key: its name, key hash and 32-byte public key."""

    name: str
    key_hash: int
    public_key: bytes

    @classmethod
    def parse(cls, text):
        """Return the verifier of a `name+hash+base64(0x01 || public key)` string."""
        if not isinstance(text, str):
            raise MalformedKey("a verifier key is text")
        # The base64 key may hold '+': the name and hash come first and hold none.
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise MalformedKey("a verifier key has three parts: name+hash+key")
        name, hash_text, key_text = parts
        if not valid_key_name(name):
            raise MalformedKey("the key name is empty or holds a space or '+'")
        if not _HEX8.fullmatch(hash_text):
            raise MalformedKey("the key hash is not 8 lowercase hexadecimal digits")
        key = _b64decode(key_text, "the key", MalformedKey)
        if len(key) != 33 or key[0] != ALGORITHM_ED25519:
            raise MalformedKey("the key is not an Ed25519 public key (0x01 and 32 bytes)")
        if key_hash(name, key) != int(hash_text, 16):
            raise MalformedKey("the key hash does not match the name and key")
        return cls(name, int(hash_text, 16), key[1:])

    def __str__(self):
        return f"{self.name}+{self.key_hash:08x}+{_b64(bytes([ALGORITHM_ED25519]) + self.public_key)}"

    def verify(self, text, signature):
        """True if `signature` (64 bytes, key hash removed) signs the note text `text` (bytes)."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


class Signer:
    """An Ed25519 signer key; `str()` gives the `PRIVATE+KEY+...` string, `repr()` hides it."""

    def __init__(self, name, seed):
        if not valid_key_name(name):
            raise MalformedKey("the key name is empty or holds a space or '+'")
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise MalformedKey("an Ed25519 seed is 32 bytes")
        self.name = name
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self._seed = seed
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, key_hash(name, bytes([ALGORITHM_ED25519]) + public), public)
        self.key_hash = self.verifier.key_hash

    @classmethod
    def generate(cls, name):
        """Return a new random signer key named `name`."""
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed)

    @classmethod
    def parse(cls, text):
        """Return the signer of a `PRIVATE+KEY+name+hash+base64(0x01 || seed)` string."""
        if not isinstance(text, str):
            raise MalformedKey("a signer key is text")
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedKey("a signer key reads PRIVATE+KEY+name+hash+key")
        name, hash_text, key_text = parts[2:]
        if not _HEX8.fullmatch(hash_text):
            raise MalformedKey("the key hash is not 8 lowercase hexadecimal digits")
        key = _b64decode(key_text, "the key", MalformedKey)
        if len(key) != 33 or key[0] != ALGORITHM_ED25519:
            raise MalformedKey("the key is not an Ed25519 seed (0x01 and 32 bytes)")
        signer = cls(name, key[1:])
        # The hash is of the public key, known only once derived from the seed.
        if signer.key_hash != int(hash_text, 16):
            raise MalformedKey("the key hash does not match the name and key")
        return signer

    def __str__(self):
        return (f"PRIVATE+KEY+{self.name}+{self.key_hash:08x}+"
                f"{_b64(bytes([ALGORITHM_ED25519]) + self._seed)}")

    def __repr__(self):
        return f"<Signer {self.name}+{self.key_hash:08x}>"

    def sign(self, text):
        """Return the Ed25519 signature (64 bytes) of the note text `text` (bytes)."""
        return self._private.sign(text)


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key hash and the signature bytes."""

    name: str
    key_hash: int
    signature: bytes

    def line(self):
        """The signature line, newline included."""
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(self.key_hash.to_bytes(4, 'big') + self.signature)}\n"


@dataclass(frozen=True)
class Note:
    """An opened note: its text, the verified signatures, and the others (unknown keys)."""

    text: str
    signatures: tuple
    unverified: tuple = field(default=())


def _check_characters(text, error):
    if any(character < " " and character != "\n" for character in text):
        raise error("a note may hold no control character but newline")
    if not _encodable(text):
        raise error("a note is valid UTF-8")


def sign_note(text, *signers):
    """Return the signed note of `text` (ending in a newline) signed by each of `signers`."""
    if not signers:
        raise ValueError("a note needs at least one signer")
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedNote("a note's text ends with a newline")
    _check_characters(text, MalformedNote)
    data = text.encode("utf-8")
    lines = [Signature(signer.name, signer.key_hash, signer.sign(data)).line() for signer in signers]
    return text + "\n" + "".join(lines)


def add_signature(message, signer):
    """Return the note `message` with a signature of its text by `signer` first, its other signatures kept.

    A note may carry several signatures: after a key rotation the latest checkpoint is
    signed by the new key too, and verifiers holding only the old key still open it.
    """
    text, separator, block = message.rpartition("\n\n")
    if not separator or not block.endswith("\n"):
        raise MalformedNote("a note is its text, a blank line and its signatures")
    others = []
    for number, line in enumerate(block[:-1].split("\n"), 1):
        signature = _signature(number, line)
        if (signature.name, signature.key_hash) != (signer.name, signer.key_hash):
            others.append(line + "\n")
    signed = sign_note(text + "\n", signer)
    return signed + "".join(others)


def _signature(number, line):
    if not line.startswith(SIGNATURE_PREFIX):
        raise MalformedNote(f"signature line {number} does not start with an em dash and a space")
    name, space, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    if not space or not valid_key_name(name) or not encoded:
        raise MalformedNote(f"signature line {number} is not `\u2014 name signature`")
    raw = _b64decode(encoded, f"signature {number}", MalformedNote)
    if len(raw) < 5:
        raise MalformedNote(f"signature {number} is too short")
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def open_note(message, verifiers):
    """Return the Note of `message` (str or bytes) if a signature by one of `verifiers` holds.

    :raises MalformedNote: not a well-formed note.
    :raises BadSignature: a signature by a known key does not verify.
    :raises UnverifiedNote: no signature by a known key.
    """
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note is valid UTF-8") from None
    if not isinstance(message, str):
        raise MalformedNote("a note is text")
    _check_characters(message, MalformedNote)
    known = {}
    for verifier in verifiers:
        if known.setdefault((verifier.name, verifier.key_hash), verifier) != verifier:
            raise ValueError(f"two different keys are named {verifier.name}+{verifier.key_hash:08x}")
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("no blank line before the signatures")
    text, block = message[:split + 1], message[split + 2:]
    if not block or not block.endswith("\n"):
        raise MalformedNote("the signature lines end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    # Every line is read before any is verified: a malformed note is refused as such.
    signatures = [_signature(number, line) for number, line in enumerate(lines, start=1)]
    data = text.encode("utf-8")
    verified, unverified, seen = [], [], set()
    for signature in signatures:
        identity = (signature.name, signature.key_hash)
        if identity in seen:
            continue
        seen.add(identity)
        verifier = known.get(identity)
        if verifier is None:
            unverified.append(signature)
            continue
        if not verifier.verify(data, signature.signature):
            raise BadSignature(f"the signature by {signature.name}+{signature.key_hash:08x} does not verify")
        verified.append(signature)
    if not verified:
        raise UnverifiedNote("the note is not signed by a known key")
    return Note(text, tuple(verified), tuple(unverified))


def _lines(text, error, minimum):
    if not isinstance(text, str) or not text.endswith("\n"):
        raise error("the text ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < minimum or any(line == "" for line in lines):
        raise error(f"the text is at least {minimum} non-empty lines")
    return lines


def _decimal(text, what, error):
    if not _DECIMAL.fullmatch(text) or int(text) > _UINT64_MAX:
        raise error(f"{what} is not a decimal number without leading zeros")
    return int(text)


def _hash(text, what, error):
    value = _b64decode(text, what, error)
    if len(value) != HASH_SIZE:
        raise error(f"{what} is not {HASH_SIZE} bytes")
    return value


def _check_origin(origin, error):
    if not isinstance(origin, str) or origin == "" or "\n" in origin:
        raise error("the origin is one non-empty line")
    _check_characters(origin, error)


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint: origin, tree size, root hash and extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple = ()

    def text(self):
        """The note text of the checkpoint."""
        _check_origin(self.origin, MalformedCheckpoint)
        if not isinstance(self.size, int) or not 0 <= self.size <= _UINT64_MAX:
            raise MalformedCheckpoint("the tree size is a non-negative integer")
        if len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpoint(f"the root hash is {HASH_SIZE} bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise MalformedCheckpoint("an extension line is one non-empty line")
            _check_characters(line, MalformedCheckpoint)
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), _b64(self.root_hash), *self.extensions))

    @classmethod
    def parse(cls, text):
        """Return the checkpoint a note text holds (the text only: see `open_checkpoint`)."""
        lines = _lines(text, MalformedCheckpoint, 3)
        origin, size, root_hash, *extensions = lines
        _check_origin(origin, MalformedCheckpoint)
        return cls(origin, _decimal(size, "the tree size", MalformedCheckpoint),
                   _hash(root_hash, "the root hash", MalformedCheckpoint), tuple(extensions))


def sign_checkpoint(checkpoint, signer):
    """Return the signed note of `checkpoint`."""
    return sign_note(checkpoint.text(), signer)


def open_checkpoint(message, verifiers):
    """Return the Checkpoint of a signed note, once a known key's signature holds.

    :raises NoteError: see `open_note`; MalformedCheckpoint if the text is no checkpoint.
    """
    return Checkpoint.parse(open_note(message, verifiers).text)


def _format_time(at):
    if at.tzinfo is not None:
        raise ValueError("promise times are naive UTC datetimes")
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Promise:
    """A signed promise of inclusion: origin, leaf hash, time (naive UTC) and MMD in seconds."""

    origin: str
    leaf_hash: bytes
    at: datetime
    mmd: int

    def text(self):
        """The note text of the promise."""
        _check_origin(self.origin, MalformedPromise)
        if len(self.leaf_hash) != HASH_SIZE:
            raise MalformedPromise(f"the leaf hash is {HASH_SIZE} bytes")
        if not isinstance(self.mmd, int) or self.mmd < 0:
            raise MalformedPromise("the maximum merge delay is a non-negative number of seconds")
        return f"{self.origin}\n{PROMISE_LINE}\n{_b64(self.leaf_hash)}\n{_format_time(self.at)}\n{self.mmd}\n"

    @classmethod
    def parse(cls, text):
        """Return the promise a note text holds (the text only: see `open_promise`)."""
        lines = _lines(text, MalformedPromise, 5)
        if len(lines) != 5 or lines[1] != PROMISE_LINE:
            raise MalformedPromise(f"a promise is five lines, the second `{PROMISE_LINE}`")
        origin, _, leaf, at, mmd = lines
        _check_origin(origin, MalformedPromise)
        if not _TIME.fullmatch(at):
            raise MalformedPromise("the time is not YYYY-MM-DDTHH:MM:SSZ")
        try:
            moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise MalformedPromise("the time is not a valid date and time") from None
        return cls(origin, _hash(leaf, "the leaf hash", MalformedPromise), moment,
                   _decimal(mmd, "the maximum merge delay", MalformedPromise))


def sign_promise(promise, signer):
    """Return the signed note of `promise`."""
    return sign_note(promise.text(), signer)


def open_promise(message, verifiers):
    """Return the Promise of a signed note, once a known key's signature holds."""
    return Promise.parse(open_note(message, verifiers).text)
