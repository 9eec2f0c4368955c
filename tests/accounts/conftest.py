"""Fixtures for account recovery: a per-test mail outbox and configuration switches."""
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

LINK = re.compile(r"https?://\S+")


class Outbox:
    """The file backend's outbox: each .eml file one message, read like a mail client would."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def messages(self):
        """Every message written so far, oldest first."""
        if not self.directory.exists():
            return []
        return [
            BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            for path in sorted(self.directory.glob("*.eml"))
        ]

    def only(self):
        """The single message in the outbox (fails if there are none or several)."""
        messages = self.messages()
        assert len(messages) == 1, f"expected one message, found {len(messages)}"
        return messages[0]

    @staticmethod
    def text(message):
        """The plain-text body of `message`."""
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, message):
        """The one link in the body of `message`."""
        links = LINK.findall(self.text(message))
        assert len(links) == 1, links
        return links[0]


@pytest.fixture
def outbox(app, tmp_path):
    """Point the file mail backend at an empty directory for this test."""
    previous = app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_BACKEND"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    app.config["MAIL_BACKEND"] = "file"
    yield Outbox(tmp_path / "outbox")
    app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_BACKEND"] = previous


@pytest.fixture
def config(app):
    """Set configuration keys for one test; every change is undone afterwards."""
    saved = {}

    def set_(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield set_
    app.config.update(saved)
