"""CSV exports: columns, formula neutralisation, pseudonyms, privacy, access, streaming, CLI."""
import csv
import io
import os
import stat

import openpyxl
import pytest
from sqlalchemy import select

from aga_consulta import create_app
from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment
from aga_consulta.exports import services
from aga_consulta.exports.services import COLUMNS, EXPORTS, Pseudonymiser, neutralise, pseudonym_key
from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.comments.moderation import hide_comment
from aga_consulta.proposals.services import create_proposal
from aga_consulta.tally.services import compute_tally
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import cast_vote, withdraw_vote
from tests.helpers import count, login

PUBLIC = sorted(services.names("public"))
FULL = sorted(services.names("moderator"))
HOSTILE = ["=cmd|' /C calc'!A0", "+57 300 000", "-2+3", "@SUM(A1:A9)"]
HIDDEN_BODY = "Texto ofensivo que el equipo moderador ocultó"
TRICKY_BODY = 'Dijo "hola", y luego;\nen otra línea, "adiós"'


@pytest.fixture
def data(factory):
    """A small consultation: votes (one withdrawn), comments (hostile, tricky, hidden, a reply)."""
    consultation = factory.consultation(slug="consulta-export")
    national = factory.proposal(consultation, code="N-01", title="Datos abiertos de contratación", theme="datos")
    local = create_proposal(consultation, {"code": "S-01", "title": "Presupuesto participativo en Cali",
                                           "scope": "subnational", "department_code": "76",
                                           "proposer": "=HYPERLINK(\"x\")"})
    # A hostile public reason, as a moderator could type one through the workflow.
    local.status_reason = "@motivo"
    db.session.commit()
    moderator = factory.user(role="moderator", email="moderadora@example.co", name="Marisol Moderadora")
    ana = factory.user(email="ana.torres@example.co", name="Ana Torres Quiñones", department="05")
    beto = factory.user(email="beto.rios@example.co", name="Beto Ríos Zapata", department="76")
    cata = factory.user(email="cata.diaz@example.co", name="Catalina Díaz Mejía", department="76")
    dario = factory.user(email="dario.leon@example.co", name="Darío León Pardo", department="11")
    factory.user(email="nadie@example.co", name="Nadie Hizo Nada")  # registered, never took part

    cast_vote(ana, national)
    cast_vote(ana, local)
    cast_vote(beto, national)
    withdraw_vote(beto, national)
    cast_vote(beto, local)
    first = add_comment(ana, national, TRICKY_BODY)
    add_comment(cata, local, "Una respuesta", parent=None)
    hostile = [add_comment(cata, national, body) for body in HOSTILE]
    add_comment(beto, national, "Estoy de acuerdo", parent=first)
    hidden = add_comment(dario, local, HIDDEN_BODY)
    hide_comment(moderator, hidden, "Lenguaje ofensivo")
    return {"consultation": consultation, "national": national, "local": local, "moderator": moderator,
            "citizens": [ana, beto, cata, dario], "hostile": hostile, "hidden": hidden}


def parse(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def download(client, audience, slug, name):
    prefix = "/moderation" if audience == "moderator" else ""
    # Buffered: the body is read inside the request's own context (see IsolatedClient).
    response = client.get(f"{prefix}/consultations/{slug}/export/{name}.csv", buffered=True)
    assert response.status_code == 200, (audience, name, response.status_code)
    return response


def dispatch(app, url, user=None):
    """Run the request for `url` in this context and return the response, its body still unread."""
    from flask_login import login_user

    with app.test_request_context(url):
        if user is not None:
            login_user(user)
        response = app.full_dispatch_request()
        assert response.status_code == 200
        assert response.is_streamed  # a generator, not a body built in memory
        response.body_text = response.get_data(as_text=True)
    return response


def as_moderator(client):
    login(client, "moderadora@example.co")
    return client


def every_export(client, slug):
    """{(audience, name): text} for every export a moderator and the public can download."""
    texts = {("public", name): download(client, "public", slug, name).get_data(as_text=True) for name in PUBLIC}
    as_moderator(client)
    texts.update({("moderator", name): download(client, "moderator", slug, name).get_data(as_text=True)
                  for name in FULL})
    return texts


def rows_by_header(text):
    header, *rows = parse(text)
    return [dict(zip(header, row)) for row in rows]


# --- shape ----------------------------------------------------------------------------

def test_every_export_parses_with_the_contract_columns(client, data):
    texts = every_export(client, "consulta-export")
    assert set(texts) == {("public", n) for n in ("proposals", "summary", "participation_by_department")} | {
        ("moderator", n) for n in ("proposals", "votes", "comments", "participants", "summary",
                                   "participation_by_department")}
    for (audience, name), text in texts.items():
        rows = parse(text)
        assert tuple(rows[0]) == COLUMNS[name], (audience, name)
        assert len(rows) > 1, (audience, name)
        assert all(len(row) == len(COLUMNS[name]) for row in rows), (audience, name)
        assert not text.startswith("\ufeff")
        assert "\r\n" in text  # RFC 4180 line ends


@pytest.mark.parametrize("audience, name", [(audience, name) for audience in services.AUDIENCES
                                             for name in services.names(audience)])
def test_every_export_writes_its_declared_columns_in_order(app, data, audience, name):
    text = "".join(services.iter_csv(data["consultation"], name, audience))
    header, *rows = parse(text)
    assert tuple(header) == EXPORTS[name].columns == COLUMNS[name]
    assert rows and all(len(row) == len(header) for row in rows)


def test_each_export_is_declared_once_with_its_audiences():
    assert services.names("public") == ("proposals", "summary", "participation_by_department")
    assert services.names("moderator") == ("proposals", "votes", "comments", "participants", "summary",
                                           "participation_by_department")
    for name, declared in EXPORTS.items():
        assert declared.name == name and str(declared.label)
        assert services.get_export("moderator", name) is declared
    for name in ("votes", "comments", "participants"):
        with pytest.raises(services.UnknownExport):
            services.get_export("public", name)
    with pytest.raises(services.UnknownExport):
        services.get_export("moderator", "nada")


def test_a_row_function_must_name_exactly_the_declared_columns(app, data):
    declared = EXPORTS["summary"]
    run = services.Run(declared, data["consultation"], "public")
    assert run.row(value=3, metric="votes") == ["votes", 3]
    with pytest.raises(ValueError):
        run.row(metric="votes")
    with pytest.raises(ValueError):
        run.row(metric="votes", value=3, extra=1)
    with pytest.raises(ValueError):
        run.select(metric=Vote.id)
    statement = run.select(value=Vote.id, metric=Vote.user_id)
    assert tuple(statement.selected_columns.keys()) == ("metric", "value")
    with pytest.raises(ValueError):
        run.stream(select(Vote.user_id, Vote.id))


def test_contract_column_lists():
    assert COLUMNS["proposals"] == ("code", "title", "scope", "department_code", "department", "theme",
                                    "proposer", "status", "status_reason", "votes", "comments")
    assert COLUMNS["votes"] == ("participant", "proposal_code", "cast_at")
    assert COLUMNS["comments"] == ("comment_id", "participant", "proposal_code", "parent_id", "body",
                                   "status", "created_at")
    assert COLUMNS["participants"] == ("participant", "department_code", "votes", "comments", "registered_at")
    assert COLUMNS["summary"] == ("metric", "value")
    assert COLUMNS["participation_by_department"] == ("department_code", "department", "participants",
                                                      "voters", "commenters")


def test_proposals_export_values(client, data):
    public = {row["code"]: row for row in rows_by_header(download(
        client, "public", "consulta-export", "proposals").get_data(as_text=True))}
    assert public["N-01"]["scope"] == "national"
    assert public["N-01"]["department_code"] == ""
    assert public["N-01"]["theme"] == "Datos"
    assert public["S-01"]["department_code"] == "76"
    assert public["S-01"]["department"] == "Valle del Cauca"
    assert public["N-01"]["votes"] == "1"  # Beto withdrew his
    assert public["S-01"]["votes"] == "2"
    assert public["S-01"]["status"] == "received"


# --- formula injection, quoting ----------------------------------------------------------

@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "=cmd|' /C calc'!A0"])
def test_formula_triggers_get_a_leading_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Texto", "1+1", " =1", "'=1", "", "p-1234", "2020-08-01T00:00:00Z"])
def test_other_text_is_left_alone(value):
    assert neutralise(value) == value


def test_numbers_stay_numbers_even_negative():
    # Counts and ids are ours, never typed by a person: they stay numeric for spreadsheets.
    assert neutralise(-3) == -3
    assert neutralise(0) == 0
    assert neutralise(None) is None
    assert neutralise("-3") == "'-3"


def test_hostile_comment_bodies_come_out_inert(client, data):
    hostile = data["hostile"]
    # Bodies stored by other means (an import, an older version) may start with tab or CR.
    extra = {"\tcmd": None, "\r=1+1": None}
    for body in extra:
        comment = add_comment(data["citizens"][0], data["national"], "provisional")
        comment.body = body
        extra[body] = comment.id
    db.session.commit()
    comments = {int(row["comment_id"]): row for row in rows_by_header(
        download(as_moderator(client), "moderator", "consulta-export", "comments").get_data(as_text=True))}
    for comment, body in zip(hostile, HOSTILE):
        assert comments[comment.id]["body"] == "'" + body
    for body, comment_id in extra.items():
        assert comments[comment_id]["body"] == "'" + body
    # Every cell of every export: none starts with a trigger.
    for text in every_export(client, "consulta-export").values():
        for row in parse(text)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_proposal_fields_are_neutralised_in_public_export(client, data):
    rows = {row["code"]: row for row in rows_by_header(
        download(client, "public", "consulta-export", "proposals").get_data(as_text=True))}
    assert rows["S-01"]["proposer"] == "'=HYPERLINK(\"x\")"
    assert rows["S-01"]["status_reason"] == "'@motivo"


def test_quotes_commas_and_newlines_round_trip(client, data):
    comments = rows_by_header(download(as_moderator(client), "moderator", "consulta-export",
                                       "comments").get_data(as_text=True))
    assert TRICKY_BODY in [row["body"] for row in comments]


# --- pseudonyms and personal data ----------------------------------------------------------

def test_pseudonym_is_stable_and_not_the_id_or_email(app, client, data):
    ana = data["citizens"][0]
    first = rows_by_header(download(as_moderator(client), "moderator", "consulta-export",
                                    "votes").get_data(as_text=True))
    second = rows_by_header(download(client, "moderator", "consulta-export", "votes").get_data(as_text=True))
    assert first == second
    votes = Pseudonymiser(pseudonym_key(app.config), data["consultation"].id, "votes")
    expected = votes(ana.id)
    assert expected in {row["participant"] for row in first}
    assert expected not in (str(ana.id), ana.email)
    # Every citizen has one pseudonym, all different.
    everyone = {votes(c.id) for c in data["citizens"]}
    assert len(everyone) == 4


def test_pseudonym_depends_on_the_key_the_consultation_and_the_export():
    same = Pseudonymiser(b"clave-uno", 1, "votes")
    assert same(42) == Pseudonymiser(b"clave-uno", 1, "votes")(42)
    assert same(42) != Pseudonymiser(b"clave-dos", 1, "votes")(42)
    assert same(42) != Pseudonymiser(b"clave-uno", 2, "votes")(42)
    assert same(42) != Pseudonymiser(b"clave-uno", 1, "comments")(42)
    assert same(42) != same(43)


def test_pseudonym_key_comes_from_config_or_is_derived_from_the_secret_key():
    assert pseudonym_key({"PSEUDONYM_KEY": "k", "SECRET_KEY": "s"}) == b"k"
    derived = pseudonym_key({"PSEUDONYM_KEY": None, "SECRET_KEY": "s"})
    assert derived == pseudonym_key({"PSEUDONYM_KEY": "", "SECRET_KEY": "s"})
    assert derived not in (b"s", b"")
    assert derived != pseudonym_key({"PSEUDONYM_KEY": None, "SECRET_KEY": "t"})


def test_pseudonyms_are_stable_across_app_instances(app, data):
    other = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                             "SECRET_KEY": app.config["SECRET_KEY"]})
    with other.app_context():
        assert services.pseudonymiser(3, "votes")(7) == Pseudonymiser(pseudonym_key(app.config), 3, "votes")(7)


def test_no_email_or_name_in_any_export(client, data):
    people = [*data["citizens"], data["moderator"]]
    texts = every_export(client, "consulta-export")
    for (audience, name), text in texts.items():
        for person in people:
            assert person.email not in text, (audience, name)
            assert person.name not in text, (audience, name)
            assert person.name.split()[-1] not in text, (audience, name)
            assert "@example.co" not in text


def test_participants_export_matches_the_tally(client, data):
    rows = rows_by_header(download(as_moderator(client), "moderator", "consulta-export",
                                   "participants").get_data(as_text=True))
    tally = compute_tally(data["consultation"])
    assert len(rows) == tally["participants"] == 4  # the one who did nothing is absent
    pseudonym = services.pseudonymiser(data["consultation"].id, "participants")
    ana, beto, cata, dario = data["citizens"]
    by_person = {row["participant"]: row for row in rows}
    assert by_person[pseudonym(ana.id)]["votes"] == "2"
    assert by_person[pseudonym(ana.id)]["comments"] == "1"
    assert by_person[pseudonym(ana.id)]["department_code"] == "05"
    assert by_person[pseudonym(beto.id)]["votes"] == "1"  # the withdrawn vote does not count
    assert by_person[pseudonym(dario.id)]["comments"] == "1"  # his hidden comment was made
    assert by_person[pseudonym(ana.id)]["registered_at"].endswith("Z")


@pytest.fixture
def kinds_of_participant(factory):
    """People who only voted, only commented, did both, withdrew their only vote, did nothing."""
    consultation = factory.consultation(slug="consulta-participantes")
    first = factory.proposal(consultation, code="P-01")
    second = factory.proposal(consultation, code="P-02")
    elsewhere = factory.proposal(factory.consultation(slug="otra-consulta"), code="O-01")
    voter = factory.user(email="solo.voto@example.co", department="05")
    commenter = factory.user(email="solo.comento@example.co", department="76")
    both = factory.user(email="ambos@example.co", department="76")
    withdrawn = factory.user(email="retiro@example.co", department="11")
    factory.user(email="nada@example.co", department="11")
    cast_vote(voter, first)
    cast_vote(voter, second)
    cast_vote(both, first)
    add_comment(commenter, first, "Solo comento")
    add_comment(commenter, second, "Y comento otra vez")
    add_comment(both, second, "Voto y comento")
    cast_vote(withdrawn, first)
    withdraw_vote(withdrawn, first)
    cast_vote(withdrawn, elsewhere)  # a participant elsewhere only
    return {"consultation": consultation, "voter": voter, "commenter": commenter, "both": both,
            "withdrawn": withdrawn}


def participants_export(consultation):
    return rows_by_header("".join(services.iter_csv(consultation, "participants", "moderator")))


def test_participants_export_counts_voters_commenters_and_both_as_the_tally_does(app, kinds_of_participant):
    consultation = kinds_of_participant["consultation"]
    rows = participants_export(consultation)
    tally = compute_tally(consultation)
    assert len(rows) == tally["participants"] == 3
    assert sum(int(row["votes"]) > 0 for row in rows) == tally["voters"] == 2
    assert sum(int(row["comments"]) > 0 for row in rows) == tally["commenters"] == 2
    assert sum(int(row["votes"]) for row in rows) == tally["votes"] == 3
    assert sum(int(row["comments"]) for row in rows) == tally["comments"]["received"] == 3
    pseudonym = services.pseudonymiser(consultation.id, "participants")
    by_person = {row["participant"]: (row["department_code"], row["votes"], row["comments"]) for row in rows}
    assert by_person == {
        pseudonym(kinds_of_participant["voter"].id): ("05", "2", "0"),
        pseudonym(kinds_of_participant["commenter"].id): ("76", "0", "2"),
        pseudonym(kinds_of_participant["both"].id): ("76", "1", "1"),
    }


def test_participants_export_of_the_reference_data_has_the_tallys_participants(runner):
    from aga_consulta.consultations.services import get_by_slug

    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    consultation = get_by_slug("iv-plan-2020")
    rows = participants_export(consultation)
    tally = compute_tally(consultation)
    assert len(rows) == tally["participants"] == 713
    assert sum(int(row["votes"]) > 0 for row in rows) == tally["voters"]
    assert sum(int(row["comments"]) > 0 for row in rows) == tally["commenters"]
    assert sum(int(row["votes"]) for row in rows) == tally["votes"]
    assert sum(int(row["comments"]) for row in rows) == tally["comments"]["received"]


# --- votes, hidden comments ---------------------------------------------------------------

def test_withdrawn_votes_are_absent(client, data):
    rows = rows_by_header(download(as_moderator(client), "moderator", "consulta-export",
                                   "votes").get_data(as_text=True))
    pseudonym = services.pseudonymiser(data["consultation"].id, "votes")
    beto = data["citizens"][1]
    pairs = [(row["participant"], row["proposal_code"]) for row in rows]
    assert (pseudonym(beto.id), "N-01") not in pairs
    assert (pseudonym(beto.id), "S-01") in pairs
    assert len(rows) == count(Vote, Vote.withdrawn_at.is_(None)) == 3
    assert count(Vote) == 4
    # The database formats the times exactly as timeutil.isoformat_utc does.
    from aga_consulta.timeutil import isoformat_utc

    active = db.session.scalars(select(Vote).where(Vote.withdrawn_at.is_(None)).order_by(Vote.id)).all()
    assert [row["cast_at"] for row in rows] == [isoformat_utc(vote.cast_at) for vote in active]


def test_hidden_comment_stays_out_of_public_exports(client, data):
    texts = every_export(client, "consulta-export")
    for (audience, name), text in texts.items():
        if audience == "public":
            assert HIDDEN_BODY not in text, name
    public = {row["code"]: row for row in rows_by_header(texts[("public", "proposals")])}
    full = {row["code"]: row for row in rows_by_header(texts[("moderator", "proposals")])}
    # S-01 has two comments, one hidden: the public count is the one its page shows.
    assert public["S-01"]["comments"] == "1"
    assert full["S-01"]["comments"] == "2"
    comments = rows_by_header(texts[("moderator", "comments")])
    hidden = [row for row in comments if row["comment_id"] == str(data["hidden"].id)]
    assert hidden[0]["status"] == "hidden" and hidden[0]["body"] == HIDDEN_BODY


def test_public_proposal_counts_match_the_tally_ranking(client, data):
    public = {row["code"]: row for row in rows_by_header(download(
        client, "public", "consulta-export", "proposals").get_data(as_text=True))}
    for entry in compute_tally(data["consultation"])["ranking"]:
        assert public[entry["code"]]["votes"] == str(entry["votes"])
        assert public[entry["code"]]["comments"] == str(entry["comments"])


def test_reply_keeps_its_parent(client, data):
    comments = rows_by_header(download(as_moderator(client), "moderator", "consulta-export",
                                       "comments").get_data(as_text=True))
    replies = [row for row in comments if row["parent_id"]]
    assert len(replies) == 1 and replies[0]["body"] == "Estoy de acuerdo"
    assert len(comments) == count(Comment) == 8


# --- summary and departments ----------------------------------------------------------------

def test_summary_has_one_row_per_tally_figure(client, data):
    tally = compute_tally(data["consultation"])
    rows = dict(parse(download(client, "public", "consulta-export", "summary").get_data(as_text=True))[1:])
    assert rows["participants"] == str(tally["participants"]) == "4"
    assert rows["votes"] == "3"
    assert rows["comments_received"] == "8"
    assert rows["comments_published"] == "7"
    assert rows["proposals_total"] == "2"
    assert rows["proposals_national"] == "1"
    assert rows["selected_total"] == "0"
    assert rows["voters"] == str(tally["voters"])
    assert rows["commenters"] == str(tally["commenters"])
    assert "consultation" not in rows and "ranking" not in rows and "by_department" not in rows


def test_participation_by_department_comes_from_the_tally(client, data):
    rows = rows_by_header(download(client, "public", "consulta-export",
                                   "participation_by_department").get_data(as_text=True))
    tally = compute_tally(data["consultation"])
    assert [(r["department_code"], r["department"], int(r["participants"]), int(r["voters"]),
             int(r["commenters"])) for r in rows] == [
        (d["code"], d["name"], d["participants"], d["voters"], d["commenters"]) for d in tally["by_department"]]
    valle = [r for r in rows if r["department_code"] == "76"][0]
    assert (valle["participants"], valle["voters"], valle["commenters"]) == ("2", "1", "2")


# --- access, headers, streaming ----------------------------------------------------------------

@pytest.mark.parametrize("name", FULL)
def test_moderator_exports_send_anonymous_to_login(client, data, name):
    response = client.get(f"/moderation/consultations/consulta-export/export/{name}.csv")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0


@pytest.mark.parametrize("name", FULL)
def test_moderator_exports_refuse_citizens(client, data, name):
    login(client, "ana.torres@example.co")
    response = client.get(f"/moderation/consultations/consulta-export/export/{name}.csv")
    assert response.status_code == 403
    assert "text/csv" not in response.content_type
    assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0


@pytest.mark.parametrize("name", ["votes", "comments", "participants"])
def test_personal_exports_are_not_public(client, data, name):
    assert client.get(f"/consultations/consulta-export/export/{name}.csv").status_code == 404


@pytest.mark.parametrize("url", [
    "/consultations/no-existe/export/proposals.csv",
    "/consultations/consulta-export/export/nada.csv",
    "/consultations/consulta-export/export/proposals.txt",
    "/moderation/consultations/no-existe/export/votes.csv",
    "/moderation/consultations/consulta-export/export/nada.csv",
])
def test_unknown_consultation_or_export_is_404(client, data, url):
    as_moderator(client)
    assert client.get(url).status_code == 404
    assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0


def test_moderator_download_headers_and_audit(app, data):
    response = dispatch(app, "/moderation/consultations/consulta-export/export/votes.csv", data["moderator"])
    assert len(parse(response.body_text)) == 4
    assert response.mimetype == "text/csv"
    assert response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=consulta-export-votes.csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Length" not in response.headers
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "export.download"))
    assert entry.actor_id == data["moderator"].id
    assert entry.target_id == data["consultation"].id and '"votes"' in entry.after


@pytest.mark.parametrize("name", PUBLIC)
def test_public_download_headers(app, data, name):
    response = dispatch(app, f"/consultations/consulta-export/export/{name}.csv")
    assert tuple(parse(response.body_text)[0]) == COLUMNS[name]
    assert response.headers["Content-Disposition"] == f"attachment; filename=consulta-export-{name}.csv"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_rows_are_written_in_chunks(app, data, monkeypatch):
    # A tiny chunk size: the generator hands out many pieces instead of one string.
    monkeypatch.setattr(services, "CHUNK_CHARS", 10)
    with app.test_request_context():
        chunks = list(services.iter_csv(data["consultation"], "comments", "moderator"))
    assert len(chunks) > 5
    rows = parse("".join(chunks))
    assert len(rows) == 1 + count(Comment)


# --- command line ---------------------------------------------------------------------------------

def test_flask_export_writes_every_file(runner, data, tmp_path):
    out = tmp_path / "nuevo" / "dir"
    result = runner.invoke(args=["export", "consulta-export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(out))
    assert names == sorted(f"consulta-export-{name}.csv" for name in FULL)
    assert "consulta-export-votes.csv\t3 rows" in result.output
    assert "consulta-export-comments.csv\t8 rows" in result.output
    for name in FULL:
        with open(out / f"consulta-export-{name}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == COLUMNS[name]
        assert f"consulta-export-{name}.csv\t{len(rows) - 1} rows" in result.output
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "export.download"))
    assert entry.actor_role == "system" and entry.reason == "flask export"
    # Owner-only: the full set holds hidden comments and pseudonymised participation.
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert {stat.S_IMODE(os.stat(out / name).st_mode) for name in names} == {0o600}


def test_flask_export_computes_the_tally_once(runner, data, tmp_path, monkeypatch):
    from aga_consulta.tally import services as tally_services

    calls = []
    real = tally_services.compute_tally

    def counting(consultation):
        calls.append(consultation.slug)
        return real(consultation)

    monkeypatch.setattr(tally_services, "compute_tally", counting)
    # The exports drawn from the tally each compute it when downloaded one by one...
    for name in ("summary", "participation_by_department"):
        "".join(services.iter_csv(data["consultation"], name, "moderator"))
    assert calls == ["consulta-export"] * 2
    calls.clear()
    # ...and once in all when the command line writes the full set.
    result = runner.invoke(args=["export", "consulta-export", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert calls == ["consulta-export"]
    summary = dict(parse((tmp_path / "out" / "consulta-export-summary.csv").read_text(encoding="utf-8"))[1:])
    assert summary["participants"] == str(real(data["consultation"])["participants"]) == "4"


def test_flask_export_refuses_an_unknown_slug(runner, data, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(args=["export", "no-existe", "--out", str(out)])
    assert result.exit_code != 0
    assert "No consultation with slug 'no-existe'" in result.output
    assert not out.exists()
    assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0


def test_flask_export_needs_an_output_directory(runner, data):
    result = runner.invoke(args=["export", "consulta-export"])
    assert result.exit_code != 0
    assert "--out" in result.output


def test_dashboard_links_to_every_moderator_export(client, data):
    html = as_moderator(client).get("/moderation/?consultation=consulta-export").get_data(as_text=True)
    for name in FULL:
        assert f'href="/moderation/consultations/consulta-export/export/{name}.csv"' in html
        assert f'href="/moderation/consultations/consulta-export/export/{name}.xlsx"' in html
    assert "Descargar datos (CSV y Excel)" in html
    # How to open a CSV with Colombian settings: UTF-8, comma separator, decimal point.
    assert "65001: Unicode (UTF-8)" in html and "«Coma»" in html and "separador decimal es el punto" in html


def test_results_page_links_to_the_public_exports_only(client, data):
    html = client.get("/consultations/consulta-export/results").get_data(as_text=True)
    for name in PUBLIC:
        assert f'href="/consultations/consulta-export/export/{name}.csv"' in html
    for name in ("votes", "comments", "participants"):
        assert f"/export/{name}.csv" not in html
    assert ".xlsx" not in html
    assert "65001: Unicode (UTF-8)" in html
    assert "/moderation/consultations/" not in html


# --- XLSX (staff) ----------------------------------------------------------------------


def read_xlsx(data_bytes):
    """The rows of the one sheet of an XLSX file, as lists of cell values."""
    workbook = openpyxl.load_workbook(io.BytesIO(data_bytes))
    assert len(workbook.worksheets) == 1
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def xlsx_download(client, name):
    response = client.get(f"/moderation/consultations/consulta-export/export/{name}.xlsx")
    assert response.status_code == 200, (name, response.status_code)
    return response


@pytest.mark.parametrize("name", FULL)
def test_xlsx_holds_the_same_rows_as_the_csv(client, data, name):
    as_moderator(client)
    csv_rows = parse(download(client, "moderator", "consulta-export", name).get_data(as_text=True))
    xlsx_rows = read_xlsx(xlsx_download(client, name).data)
    assert tuple(xlsx_rows[0]) == COLUMNS[name]
    # The CSV is text; the sheet keeps numbers as numbers and empty cells empty.
    as_text = [["" if cell is None else str(cell) for cell in row] for row in xlsx_rows]
    assert as_text == csv_rows


def test_xlsx_counts_are_numbers(client, data):
    rows = read_xlsx(xlsx_download(as_moderator(client), "proposals").data)
    header = rows[0]
    for row in rows[1:]:
        assert isinstance(row[header.index("votes")], int)
        assert isinstance(row[header.index("comments")], int)


def test_xlsx_is_formula_safe_like_the_csv(client, data):
    # Bodies a spreadsheet would run, including one that only starts with a trigger once a
    # control character (which XML cannot carry) is dropped.
    sneaky = add_comment(data["citizens"][0], data["national"], "provisional")
    sneaky.body = "\x01=1+1"
    tabbed = add_comment(data["citizens"][0], data["national"], "provisional")
    tabbed.body = "\tcmd"
    db.session.commit()
    as_moderator(client)
    response = xlsx_download(client, "comments")
    rows = read_xlsx(response.data)
    bodies = {row[0]: row[rows[0].index("body")] for row in rows[1:]}
    for comment, body in zip(data["hostile"], HOSTILE):
        assert bodies[comment.id] == "'" + body
    assert bodies[sneaky.id] == "'=1+1"
    assert bodies[tabbed.id] == "'\tcmd"
    # No cell of any sheet is stored as a formula (data type "f").
    for name in FULL:
        workbook = openpyxl.load_workbook(io.BytesIO(xlsx_download(client, name).data))
        for row in workbook.worksheets[0].iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, cell.value)
    proposals = read_xlsx(xlsx_download(client, "proposals").data)
    proposer = {row[0]: row[proposals[0].index("proposer")] for row in proposals[1:]}
    assert proposer["S-01"] == "'=HYPERLINK(\"x\")"


def test_xlsx_download_headers_and_audit(client, data):
    response = xlsx_download(as_moderator(client), "votes")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == "attachment; filename=consulta-export-votes.xlsx"
    assert response.headers["Cache-Control"] == "no-store"
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "export.download"))
    assert entry.actor_id == data["moderator"].id
    assert '"votes"' in entry.after and '"xlsx"' in entry.after


def test_xlsx_is_staff_only(client, data):
    # No public spreadsheet route; citizens are refused the staff one, anonymous visitors log in.
    assert client.get("/consultations/consulta-export/export/proposals.xlsx").status_code == 404
    response = client.get("/moderation/consultations/consulta-export/export/proposals.xlsx")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    login(client, "ana.torres@example.co")
    assert client.get("/moderation/consultations/consulta-export/export/proposals.xlsx").status_code == 403
    assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0


def test_xlsx_of_an_unknown_export_is_404(client, data):
    as_moderator(client)
    assert client.get("/moderation/consultations/consulta-export/export/nada.xlsx").status_code == 404
    assert client.get("/moderation/consultations/nada/export/votes.xlsx").status_code == 404
    assert count(AuditLogEntry, AuditLogEntry.action == "export.download") == 0


def test_write_xlsx_streams_in_write_only_mode(app, data, tmp_path, monkeypatch):
    # Write-only workbooks keep no rows in memory; a normal one would.
    made = []
    real = services.Workbook

    def recording(*args, **kwargs):
        made.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "Workbook", recording)
    path = tmp_path / "votes.xlsx"
    assert services.write_xlsx(data["consultation"], "votes", "moderator", path) == 3
    assert made == [{"write_only": True}]
    assert read_xlsx(path.read_bytes())[0] == list(COLUMNS["votes"])
