"""The log's keys and names from configuration: signer, pseudonym key, origin, MMD."""
import logging
import os
import tempfile
from urllib.parse import urlsplit

from flask import current_app

from aga_consulta.transparency import history
from aga_consulta.transparency.note import Signer

log = logging.getLogger(__name__)

DEFAULT_LOG_NAME = "localhost/transparency"
#: The file development generates its signer key in, in the app's instance folder.
INSTANCE_KEY_FILE = "transparency-signer.key"
_KEY_TEXTS = {}
_KEY_FILES = {}


def pseudonym_key(config=None):
    """Return the key of the log's participant pseudonyms: TRANSPARENCY_PSEUDONYM_KEY, else derived from SECRET_KEY.

    Entries are fixed once written: this key must never change while a log exists, or a
    citizen's later acts would appear under another pseudonym.
    """
    config = current_app.config if config is None else config
    return history.pseudonym_key(config.get("TRANSPARENCY_PSEUDONYM_KEY"), config["SECRET_KEY"])


def log_name(config=None):
    """Return the deployment's log name (`LOG_ORIGIN`, else the public host + /transparency)."""
    config = current_app.config if config is None else config
    origin = (config.get("LOG_ORIGIN") or "").strip().strip("/")
    if origin:
        return origin
    host = urlsplit(config.get("PUBLIC_BASE_URL") or "").netloc
    return f"{host}/transparency" if host else DEFAULT_LOG_NAME


def origin(slug, config=None):
    """Return the checkpoint origin of a consultation's log: `<log name>/<slug>`."""
    return f"{log_name(config)}/{slug}"


def mmd(config=None):
    """Return the maximum merge delay in seconds."""
    config = current_app.config if config is None else config
    return int(config.get("TRANSPARENCY_MMD") or 10)


def _read_key_file(path):
    # Parsed once per version of the file: receipts sign a promise each, and a rotated file
    # is picked up without a restart.
    version = os.stat(path).st_mtime_ns
    cached = _KEY_FILES.get(path)
    if cached is None or cached[0] != version:
        with open(path, encoding="utf-8") as stream:
            cached = (version, Signer.parse(stream.read().strip()))
        _KEY_FILES[path] = cached
    return cached[1]


def create_key_file(path, name):
    """Write a new signer key named `name` to `path` (owner-only) unless a file is there; return whether it did.

    The key is written to a temporary file and linked into place, which never replaces a
    file: two processes creating the same key at once both end up with the one that won.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".transparency-key-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(str(Signer.generate(name)) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def instance_key_path():
    """Return where development keeps its generated signer key: the app's instance folder."""
    return os.path.join(current_app.instance_path, INSTANCE_KEY_FILE)


def signer(config=None):
    """Return the log's Signer: TRANSPARENCY_SIGNER_KEY (the key, or a file holding it).

    Unset outside production, the key is read from the instance folder, generated there on
    first use: checkpoints stay verifiable across restarts, and the key is no weaker than
    one made by `flask transparency keygen`.

    :raises RuntimeError: production without a key (the app factory refuses to start then),
        or a configured key file that does not exist.
    """
    config = current_app.config if config is None else config
    text = (config.get("TRANSPARENCY_SIGNER_KEY") or "").strip()
    if text.startswith("PRIVATE+KEY+"):
        if text not in _KEY_TEXTS:
            _KEY_TEXTS[text] = Signer.parse(text)
        return _KEY_TEXTS[text]
    if text:
        if not os.path.isfile(text):
            raise RuntimeError(f"TRANSPARENCY_SIGNER_KEY names {text}, which is not a file.")
        return _read_key_file(text)
    if config.get("IS_PRODUCTION"):
        raise RuntimeError("Production refuses to start without TRANSPARENCY_SIGNER_KEY (flask transparency keygen).")
    path = instance_key_path()
    if not os.path.exists(path) and create_key_file(path, log_name(config)):
        log.warning("TRANSPARENCY_SIGNER_KEY is unset: generated a signer key in %s.", path)
    return _read_key_file(path)


def verifier_key(config=None):
    """Return the published verifier key string (`name+hash+base64`)."""
    return str(signer(config).verifier)
