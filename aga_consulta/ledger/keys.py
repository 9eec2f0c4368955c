"""The log's keys and names from configuration: signer, pseudonym key, origin, MMD."""
import hashlib
import hmac
import logging
from urllib.parse import urlsplit

from flask import current_app

from aga_consulta.transparency import history
from aga_consulta.transparency.note import Signer

log = logging.getLogger(__name__)

DEFAULT_LOG_NAME = "localhost/transparency"
_DERIVED = {}


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


def signer(config=None):
    """Return the log's Signer: TRANSPARENCY_SIGNER_KEY, else (not in production) one derived from SECRET_KEY.

    The derived key is deterministic, so development checkpoints stay verifiable across
    restarts; it is as secret as SECRET_KEY and no more, hence the warning.

    :raises RuntimeError: production without a key (the app factory refuses to start then).
    """
    config = current_app.config if config is None else config
    text = config.get("TRANSPARENCY_SIGNER_KEY")
    if text:
        if not text.strip().startswith("PRIVATE+KEY+"):
            with open(text, encoding="utf-8") as stream:
                text = stream.read()
        return Signer.parse(text)
    if config.get("IS_PRODUCTION"):
        raise RuntimeError("Production refuses to start without TRANSPARENCY_SIGNER_KEY (flask transparency keygen).")
    name = log_name(config)
    cache_key = (name, str(config["SECRET_KEY"]))
    if cache_key not in _DERIVED:
        seed = hmac.new(str(config["SECRET_KEY"]).encode(), b"aga_consulta/transparency/signer", hashlib.sha256).digest()
        _DERIVED[cache_key] = Signer(name, seed)
        log.warning("TRANSPARENCY_SIGNER_KEY is unset: checkpoints are signed with a key derived from SECRET_KEY.")
    return _DERIVED[cache_key]


def verifier_key(config=None):
    """Return the published verifier key string (`name+hash+base64`)."""
    return str(signer(config).verifier)
