"""The log's signer key: from configuration, generated in instance/ in development, refused missing in production."""
import os
import stat
import threading

import pytest

from aga_consulta import create_app
from aga_consulta.ledger import keys
from aga_consulta.ledger import services as ledger
from aga_consulta.transparency.note import Signer, UnverifiedNote, Verifier, open_checkpoint
from tests.helpers import TEST_SIGNER_KEY
from tests.ledger.test_bundle import run_verify

PRODUCTION = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def development(tmp_path):
    application = create_app("development", overrides={
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "TRANSPARENCY_SIGNER_KEY": None,
    })
    application.instance_path = str(tmp_path / "instance")
    return application


def test_development_generates_a_key_in_instance_on_first_use_and_keeps_it(development, tmp_path):
    path = tmp_path / "instance" / keys.INSTANCE_KEY_FILE
    assert not path.exists()
    with development.app_context():
        first = keys.verifier_key()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Signer.parse(path.read_text().strip()).verifier.__str__() == first
    # A restart (a new app on the same instance folder) signs with the same key.
    again = create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRANSPARENCY_SIGNER_KEY": None})
    again.instance_path = development.instance_path
    with again.app_context():
        assert keys.verifier_key() == first


def test_the_key_no_longer_follows_secret_key(tmp_path):
    made = []
    for secret in ("one secret", "another secret"):
        application = create_app("development", overrides={
            "SQLALCHEMY_DATABASE_URI": "sqlite://", "TRANSPARENCY_SIGNER_KEY": None, "SECRET_KEY": secret})
        application.instance_path = str(tmp_path / secret.replace(" ", "-"))
        with application.app_context():
            made.append(keys.verifier_key())
    assert made[0] != made[1]  # each instance folder its own random key, not a function of SECRET_KEY


def test_processes_creating_the_key_at_once_end_with_one(tmp_path):
    path = str(tmp_path / "k" / "signer.key")
    results = []
    threads = [threading.Thread(target=lambda: results.append(keys.create_key_file(path, "example.org/log")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert os.listdir(tmp_path / "k") == ["signer.key"]  # no temporary file left behind


def test_a_key_from_the_environment_as_text_or_as_a_file(tmp_path):
    path = tmp_path / "signer.key"
    path.write_text(TEST_SIGNER_KEY + "\n")
    from_text = keys.signer({"TRANSPARENCY_SIGNER_KEY": TEST_SIGNER_KEY})
    from_file = keys.signer({"TRANSPARENCY_SIGNER_KEY": str(path)})
    assert str(from_text.verifier) == str(from_file.verifier) == str(Signer.parse(TEST_SIGNER_KEY).verifier)


def test_a_configured_key_file_that_is_missing_is_an_error_not_a_new_key(tmp_path):
    with pytest.raises(RuntimeError, match="not a file"):
        keys.signer({"TRANSPARENCY_SIGNER_KEY": str(tmp_path / "missing.key")})
    assert not (tmp_path / "missing.key").exists()


def test_production_refuses_to_start_without_a_key_or_with_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.delenv("TRANSPARENCY_SIGNER_KEY", raising=False)
    with pytest.raises(RuntimeError, match="refuses to start without TRANSPARENCY_SIGNER_KEY"):
        create_app("production", overrides=PRODUCTION)
    with pytest.raises(RuntimeError, match="not a file"):
        create_app("production", overrides={**PRODUCTION, "TRANSPARENCY_SIGNER_KEY": str(tmp_path / "nope.key")})
    path = tmp_path / "signer.key"
    path.write_text(TEST_SIGNER_KEY)
    application = create_app("production", overrides={**PRODUCTION, "TRANSPARENCY_SIGNER_KEY": str(path)})
    with application.app_context():
        assert keys.verifier_key() == str(Signer.parse(TEST_SIGNER_KEY).verifier)


def test_keygen_writes_a_key_file_and_never_overwrites_one(runner, tmp_path):
    out = tmp_path / "new.key"
    result = runner.invoke(args=["transparency", "keygen", "--out", str(out), "--name", "example.org/log"])
    assert result.exit_code == 0, result.output
    made = Signer.parse(out.read_text().strip())
    assert made.name == "example.org/log" and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert str(made.verifier) in result.output and "PRIVATE+KEY" not in result.output
    before = out.read_text()
    result = runner.invoke(args=["transparency", "keygen", "--out", str(out)])
    assert result.exit_code != 0 and "never overwritten" in result.output
    assert out.read_text() == before


def test_after_a_rotation_resign_lets_a_closed_log_verify_with_either_key(app, factory, runner, client, tmp_path):
    consultation = factory.consultation(slug="rotada", state="closed")
    ledger.integrate(consultation.id)
    old_note = ledger.latest_checkpoint(consultation.id).note
    old_key = keys.verifier_key()
    (tmp_path / "old-checkpoint.txt").write_text(old_note)
    new = tmp_path / "new.key"
    assert runner.invoke(args=["transparency", "keygen", "--out", str(new)]).exit_code == 0
    previous = app.config["TRANSPARENCY_SIGNER_KEY"]
    app.config["TRANSPARENCY_SIGNER_KEY"] = str(new)
    try:
        new_key = keys.verifier_key()
        assert new_key != old_key
        with pytest.raises(UnverifiedNote):
            open_checkpoint(old_note, [keys.signer().verifier])
        result = runner.invoke(args=["transparency", "resign"])
        assert result.exit_code == 0 and "Signed 1 checkpoints" in result.output, result.output
        assert runner.invoke(args=["transparency", "resign"]).output.startswith("Signed 0 checkpoints")
        note = ledger.latest_checkpoint(consultation.id).note
        for key in (old_key, new_key):  # the same checkpoint, under either signature
            assert open_checkpoint(note, [Verifier.parse(key)]) == open_checkpoint(old_note, [Verifier.parse(old_key)])
        bundle = tmp_path / "rotada.zip"
        bundle.write_bytes(client.get("/consultations/rotada/export/bundle.zip").data)
        assert run_verify(bundle).returncode == 0
        since = ("--since", tmp_path / "old-checkpoint.txt")
        result = run_verify(bundle, "--key", old_key, "--key", new_key, *since)
        assert result.returncode == 0, result.stdout + result.stderr
        # The old checkpoint is checkable only with the key that signed it: keep it published.
        result = run_verify(bundle, "--key", new_key, *since)
        assert result.returncode == 1 and "old checkpoint is not signed" in result.stdout
    finally:
        app.config["TRANSPARENCY_SIGNER_KEY"] = previous
