"""The reference consultation's participation: citizens, votes, comments and the selection.

A deterministic reconstruction (fixed random seed) of the published aggregates of the IV
Plan consultation: the individual records were never published. Everything is written
through the services the web uses (registration, votes and withdrawals, comments, replies
and reports, moderation), with `now=` timestamps spread over the consultation's window, so
that the tally, which knows none of the figures below, finds them in the records.
"""
import itertools
import logging
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from aga_consulta.accounts.models import User
from aga_consulta.accounts.services import get_user_by_email, register_citizen
from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.consultations.models import Consultation
from aga_consulta.extensions import db
from aga_consulta.accounts.roles import record_account_created_by_operator
from aga_consulta.comments.moderation import hide_comment
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.workflow import change_status
from aga_consulta.seed import catalogue
from aga_consulta.voting.services import cast_vote, withdraw_vote

#: The published figures this reconstruction reproduces (the tally never sees them).
PARTICIPANTS = 713
COMMENTS = 149
#: How the 713 split: citizens who only commented, and who both voted and commented.
COMMENTERS_ONLY = 34
VOTERS_AND_COMMENTERS = 86
#: Registered citizens who are not participants: some did nothing, some withdrew their only vote.
IDLE_CITIZENS = 45
WITHDREW_ONLY = 12
#: Voters who withdraw one of several votes (they stay participants), and who vote again after withdrawing.
PARTIAL_WITHDRAWALS = 70
RECAST_AFTER_WITHDRAWAL = 10
REPLY_SHARE = 0.16

RANDOM_SEED = 20201013
#: Synthetic accounts live under a reserved domain (RFC 2606): no mail can reach them.
SEED_DOMAIN = "referencia.invalid"
#: Stored instead of a password hash: werkzeug's check refuses any value without "$", so
#: these synthetic accounts can never log in.
LOCKED_PASSWORD_HASH = "!locked:reference-consultation-synthetic-account"

#: Relative chance that a citizen lives in each department: roughly the population (in
#: thousands), with the capital weighted up (online participation concentrates there).
DEPARTMENT_WEIGHTS = {
    "05": 6700, "08": 2700, "11": 12000, "13": 2200, "15": 1250, "17": 1000, "18": 410, "19": 1500,
    "20": 1300, "23": 1800, "25": 3200, "27": 540, "41": 1100, "44": 960, "47": 1400, "50": 1050,
    "52": 1630, "54": 1600, "63": 550, "66": 960, "68": 2300, "70": 950, "73": 1340, "76": 4500,
    "81": 290, "85": 430, "86": 360, "88": 62, "91": 80, "94": 50, "95": 85, "97": 45, "99": 110,
}

#: How much attention each proposal drew (a subnational one draws more from its own department).
PROPOSAL_WEIGHTS = {
    "N-01": 9, "N-02": 8, "N-03": 6, "N-04": 7, "N-05": 8, "N-06": 5, "N-07": 4, "N-08": 6,
    "S-01": 7, "S-02": 6, "S-03": 6, "S-04": 5, "S-05": 5, "S-06": 4, "S-07": 4,
    "S-08": 3, "S-09": 3, "S-10": 2, "S-11": 2, "S-12": 2, "S-13": 2, "S-14": 1.5, "S-15": 1.5,
    "S-16": 1.5, "S-17": 1, "S-18": 1,
}
SAME_DEPARTMENT_BOOST = 4

FIRST_NAMES = (
    "María", "José", "Luisa", "Carlos", "Ana", "Andrés", "Diana", "Juan", "Paola", "Jorge", "Claudia",
    "Luis", "Sandra", "Felipe", "Natalia", "Camilo", "Laura", "Julián", "Carolina", "Óscar", "Valentina",
    "Santiago", "Marcela", "Hernán", "Yesenia", "Wilson", "Daniela", "Fabián", "Ángela", "Esteban",
    "Lina", "Mauricio", "Catalina", "Édgar", "Juliana", "Sebastián", "Adriana", "Nelson", "Gloria", "Iván",
)
SURNAMES = (
    "Rodríguez", "Gómez", "González", "Martínez", "García", "López", "Hernández", "Sánchez", "Ramírez",
    "Pérez", "Díaz", "Muñoz", "Rojas", "Moreno", "Jiménez", "Vargas", "Castro", "Gutiérrez", "Ortiz",
    "Álvarez", "Ruiz", "Suárez", "Torres", "Mosquera", "Palacios", "Quintero", "Cárdenas", "Restrepo",
    "Ospina", "Valencia", "Caicedo", "Arboleda", "Mejía", "Zapata", "Londoño", "Bermúdez",
)

#: A comment is an opening and a point; a reply, a reaction and an addition. Each pair is
#: used once (`comment_texts`), so no two comments of the reference say the same thing.
OPENINGS = (
    "Apoyo esta propuesta.", "Me parece muy pertinente.", "Buena iniciativa, pero falta detalle.",
    "Desde mi municipio vemos esta necesidad todos los días.", "Como veedor ciudadano, la respaldo.",
    "Es importante que se cumpla de verdad.", "Estoy de acuerdo en lo general.",
    "Propuesta necesaria para recuperar la confianza.", "Tengo dudas sobre su alcance.",
    "Llevamos años pidiendo algo así.", "Gracias por abrir este espacio de participación.",
    "Desde la academia vemos con buenos ojos esta propuesta.", "Soy líder comunal y este tema me toca de cerca.",
    "Me gustaría ver resultados concretos esta vez.",
)
POINTS = (
    "Los datos deberían publicarse en formatos abiertos y con fechas de actualización.",
    "Hace falta un cronograma con metas medibles y responsables.",
    "Que la información llegue también a las zonas rurales sin buena conexión.",
    "Sugiero incluir a las juntas de acción comunal en el seguimiento.",
    "Deberían rendir cuentas cada seis meses en audiencias públicas.",
    "El lenguaje debe ser claro para que cualquiera lo entienda.",
    "Es clave que haya presupuesto asignado desde el inicio.",
    "Propongo un tablero público con el avance de cada compromiso.",
    "Incluyan a las universidades y a la sociedad civil en el diseño.",
    "Que se pueda consultar desde el celular y sin registrarse.",
    "Es necesario proteger a quienes denuncian irregularidades.",
    "Sería bueno articularlo con las personerías municipales.",
    "Ojalá no se quede en el papel como otras veces.",
    "Pido que se publiquen también los contratos asociados.",
    "Las comunidades indígenas y afro deben ser consultadas.",
)
REACTIONS = (
    "Totalmente de acuerdo con lo que plantea.", "Buen punto, no lo había pensado.", "Coincido con usted.",
    "Respetuosamente, veo la prioridad en otro lado.", "Gracias por compartirlo.",
    "Eso mismo pasa en mi departamento.", "Tiene razón en parte.", "Me sumo a este comentario.",
)
ADDITIONS = (
    "Sin presupuesto asignado no va a funcionar.", "La información también debe estar en datos abiertos.",
    "En mi municipio ya se intentó y faltó seguimiento.", "Primero hay que asegurar la rendición de cuentas.",
    "Habría que invitar a las veedurías desde el principio.", "Lo importante es que haya fechas y responsables claros.",
    "Falta pensar en quienes no tienen internet.", "Las personerías podrían acompañar el seguimiento.",
)
#: Two comments that moderators hide (counted as received, never shown publicly).
OFFENSIVE = (
    "Todos estos funcionarios son unos ladrones, no pierdan el tiempo con esta farsa.",
    "Esto es pura mermelada para los mismos de siempre, que se vayan todos.",
)
HIDE_REASON = "Oculto por lenguaje ofensivo y acusaciones generales contra personas (normas de participación)."
REPORT_REASON = "Lenguaje ofensivo."

SHORTLIST_OTHERS = ("S-08", "S-09", "S-10")
SHORTLIST_REASON = "Preseleccionada por el Comité de Seguimiento: viabilidad técnica, apoyo ciudadano y compromiso de la entidad proponente."
SELECT_REASON = "Seleccionada para el IV Plan de Acción: la entidad territorial asumió el compromiso con metas, responsables y recursos definidos."
NOT_SELECTED_REASON = "No seleccionada: la entidad no pudo asegurar los recursos de implementación durante la vigencia del plan."

MODERATORS = (
    ("moderacion-transparencia@" + SEED_DOMAIN, "Equipo de Moderación, Secretaría de Transparencia"),
    ("moderacion-comite@" + SEED_DOMAIN, "Equipo de Moderación, Comité de Seguimiento"),
)


@dataclass
class Citizen:
    """A synthetic citizen and the part they take."""

    index: int
    department: str
    arrives_at: object
    role: str  # voter, commenter, both, idle, withdrew
    user_id: int = None
    votes: list = field(default_factory=list)


@contextmanager
def cheap_password_hashing():
    """Hash the throwaway passwords of synthetic accounts cheaply while they are registered.

    Their random passwords are discarded at once and the hashes replaced by
    LOCKED_PASSWORD_HASH right after registration: spending scrypt's cost on them would only
    slow every load of the reference consultation.
    """
    config = current_app.config
    previous = config.get("PASSWORD_HASH_METHOD")
    config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1"
    try:
        yield
    finally:
        config["PASSWORD_HASH_METHOD"] = previous


def lock_synthetic_accounts():
    """Make every synthetic account unable to log in, and confirmed (no mail can reach it)."""
    db.session.execute(
        update(User)
        .where(User.email.like(f"%@{SEED_DOMAIN}"))
        .values(password_hash=LOCKED_PASSWORD_HASH, email_confirmed_at=User.created_at)
    )
    db.session.commit()


def synthetic_account(email, name, department, role, registered_at):
    """Return the synthetic account with this e-mail, registering it through the service if new."""
    existing = get_user_by_email(email)
    if existing is not None:
        return existing
    return register_citizen(
        name=name, email=email, password=secrets.token_urlsafe(24), department_code=department,
        accepted_terms=True, role=role, now=registered_at,
    )


class Timeline:
    """Times inside [start, end): the window's activity, clamped so every service accepts it."""

    def __init__(self, rng, start, end):
        self.rng, self.start, self.end = rng, start, end
        self.span = (end - start).total_seconds()

    def clamp(self, at):
        """Return `at` moved inside the window."""
        return min(max(at, self.start), self.end - timedelta(seconds=1))

    def arrival(self):
        """A first-visit time: a launch push, a steady middle and a last-days rush."""
        draw = self.rng.random()
        if draw < 0.25:
            fraction = self.rng.random() * 0.15
        elif draw < 0.85:
            fraction = self.rng.random()
        else:
            fraction = 0.85 + self.rng.random() * 0.15
        return self.clamp(self.start + timedelta(seconds=fraction * self.span))

    def after(self, at, min_seconds, max_seconds):
        """A time between min and max seconds after `at`, inside the window."""
        return self.clamp(at + timedelta(seconds=self.rng.uniform(min_seconds, max_seconds)))


def _weighted_codes(rng, codes, weights, n):
    chosen = []
    while len(chosen) < n:
        code = rng.choices(codes, weights)[0]
        if code not in chosen:
            chosen.append(code)
    return chosen


def plan_citizens(rng, timeline):
    """Decide who registers, where they live, when they arrive and what part they take."""
    roles = (
        ["commenter"] * COMMENTERS_ONLY
        + ["both"] * VOTERS_AND_COMMENTERS
        + ["voter"] * (PARTICIPANTS - COMMENTERS_ONLY - VOTERS_AND_COMMENTERS)
        + ["idle"] * IDLE_CITIZENS
        + ["withdrew"] * WITHDREW_ONLY
    )
    rng.shuffle(roles)
    codes, weights = zip(*sorted(DEPARTMENT_WEIGHTS.items()))
    citizens = [
        Citizen(index=i + 1, department=rng.choices(codes, weights)[0], arrives_at=timeline.arrival(), role=role)
        for i, role in enumerate(roles)
    ]
    # Registration in arrival order, so that account numbers follow the calendar.
    citizens.sort(key=lambda c: c.arrives_at)
    for number, citizen in enumerate(citizens, start=1):
        citizen.index = number
    return citizens


def register_citizens(rng, citizens):
    """Register every synthetic citizen through the registration service."""
    accounts_log = logging.getLogger("aga_consulta.accounts")
    level = accounts_log.level
    # One log line per synthetic account would bury the operator's output.
    accounts_log.setLevel(logging.WARNING)
    try:
        _register_all(rng, citizens)
    finally:
        accounts_log.setLevel(level)


def _register_all(rng, citizens):
    with cheap_password_hashing():
        for citizen in citizens:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            registered_at = citizen.arrives_at - timedelta(minutes=rng.uniform(1, 90))
            citizen.user_id = synthetic_account(
                f"ciudadania-{citizen.index:04d}@{SEED_DOMAIN}", name, citizen.department, "citizen", registered_at,
            ).id
            fresh_session()
    lock_synthetic_accounts()


def _proposal_weights(proposals, department):
    return [
        PROPOSAL_WEIGHTS.get(p.code, 1) * (SAME_DEPARTMENT_BOOST if p.department_code == department else 1)
        for p in proposals
    ]


def plan_events(rng, citizens, proposals, timeline):
    """Return the activity as (time, order, kind, citizen, proposal code, extra), in time order."""
    events = []
    order = iter(range(10**9))
    codes = [p.code for p in proposals]

    def add(at, kind, citizen, code, extra=None):
        events.append((at, next(order), kind, citizen, code, extra))

    voters = [c for c in citizens if c.role in ("voter", "both")]
    commenters = [c for c in citizens if c.role in ("commenter", "both")]
    for citizen in citizens:
        weights = _proposal_weights(proposals, citizen.department)
        if citizen.role in ("voter", "both"):
            how_many = rng.choices((1, 2, 3, 4, 5, 6, 8), (30, 22, 16, 11, 8, 6, 4))[0]
            citizen.votes = _weighted_codes(rng, codes, weights, how_many)
            at = citizen.arrives_at
            for code in citizen.votes:
                at = timeline.after(at, 10, 240)
                add(at, "vote", citizen, code)
        elif citizen.role == "withdrew":
            code = _weighted_codes(rng, codes, weights, 1)[0]
            cast_at = timeline.after(citizen.arrives_at, 10, 120)
            add(cast_at, "vote", citizen, code)
            add(timeline.after(cast_at, 600, 3 * 86400), "withdraw", citizen, code)

    # Some voters change their minds: one vote withdrawn (others kept), or withdrawn and cast again.
    several = [c for c in voters if len(c.votes) >= 2]
    for citizen in rng.sample(several, PARTIAL_WITHDRAWALS):
        code = rng.choice(citizen.votes)
        withdrawn_at = timeline.after(citizen.arrives_at, 3600, 5 * 86400)
        add(withdrawn_at, "withdraw", citizen, code)
    for citizen in rng.sample([c for c in voters if c not in several], RECAST_AFTER_WITHDRAWAL):
        code = citizen.votes[0]
        withdrawn_at = timeline.after(citizen.arrives_at, 3600, 2 * 86400)
        add(withdrawn_at, "withdraw", citizen, code)
        add(timeline.after(withdrawn_at, 600, 86400), "vote", citizen, code)

    # Every commenter comments at least once; the remaining comments go to a few talkative ones.
    authors = list(commenters) + rng.choices(commenters, k=COMMENTS - len(commenters))
    offensive = iter(OFFENSIVE)
    offenders = set(rng.sample(range(len(authors)), len(OFFENSIVE)))
    for position, citizen in enumerate(authors):
        weights = _proposal_weights(proposals, citizen.department)
        # Voters mostly comment on what they supported.
        if citizen.votes and rng.random() < 0.7:
            code = rng.choice(citizen.votes)
        else:
            code = _weighted_codes(rng, codes, weights, 1)[0]
        at = timeline.after(citizen.arrives_at, 120, 4 * 86400 if position >= len(commenters) else 1800)
        if position in offenders:
            add(at, "comment", citizen, code, {"body": next(offensive), "offensive": True})
        else:
            # The text is picked when the comment is made: whether it is a reply depends on
            # what is already there.
            add(at, "comment", citizen, code, {"reply": rng.random() < REPLY_SHARE})
    events.sort(key=lambda event: (event[0], event[1]))
    return events


class CommentTexts:
    """The texts of the reference's comments, each used once: no two comments say the same thing."""

    def __init__(self, rng):
        self.comments = [f"{opening} {point}" for opening, point in itertools.product(OPENINGS, POINTS)]
        self.replies = [f"{reaction} {addition}" for reaction, addition in itertools.product(REACTIONS, ADDITIONS)]
        rng.shuffle(self.comments)
        rng.shuffle(self.replies)

    def take(self, reply):
        """Return an unused text: a reply's when `reply`, else a top-level comment's."""
        pool = self.replies if reply else self.comments
        if not pool:
            raise RuntimeError("the reference ran out of distinct comment texts: add openings or points")
        return pool.pop()


def fresh_session():
    """Empty the session's identity map between two service calls.

    Every service commits, and a commit expires every object the session holds; with
    thousands of seeded rows kept there, each vote would pay for all of them. Objects are
    fetched again by primary key when needed.
    """
    db.session.expunge_all()


def run_events(rng, events, proposal_ids):
    """Play the activity through the voting and comment services; return the offensive comments' ids."""
    top_level = {}
    offensive = []
    texts = CommentTexts(rng)
    for at, _order, kind, citizen, code, extra in events:
        fresh_session()
        user = db.session.get(User, citizen.user_id)
        proposal = db.session.get(Proposal, proposal_ids[code])
        if kind == "vote":
            cast_vote(user, proposal, now=at)
        elif kind == "withdraw":
            withdraw_vote(user, proposal, now=at)
        else:
            parent = None
            candidates = [(cid, uid) for cid, uid in top_level.get(code, []) if uid != citizen.user_id]
            if extra.get("reply") and candidates:
                parent = db.session.get(Comment, rng.choice(candidates)[0])
            body = extra.get("body") or texts.take(reply=parent is not None)
            comment = add_comment(user, proposal, body, parent=parent, now=at)
            if extra.get("offensive"):
                offensive.append(comment.id)
            elif parent is None:
                top_level.setdefault(code, []).append((comment.id, citizen.user_id))
    fresh_session()
    return offensive


def create_moderators(registered_at):
    """Return the ids of the reference consultation's moderators (created once, kept across reloads)."""
    moderators = []
    with cheap_password_hashing():
        for email, name in MODERATORS:
            existing = get_user_by_email(email)
            user = existing or synthetic_account(email, name, "11", "moderator", registered_at)
            if existing is None:
                record_account_created_by_operator(user, now=registered_at)
            moderators.append(user.id)
    lock_synthetic_accounts()
    return moderators


def moderate(rng, moderator_ids, offensive_ids, participants, timeline):
    """Two citizens report each offensive comment; a moderator hides it with a reason."""
    for comment_id in offensive_ids:
        comment = db.session.get(Comment, comment_id)
        at = timeline.after(comment.created_at, 600, 6 * 3600)
        # Only citizens already registered by then: a report never predates its reporter.
        reporters = [c.user_id for c in participants if c.user_id != comment.user_id and c.arrives_at <= at]
        for reporter_id in rng.sample(reporters, 2):
            report_comment(db.session.get(User, reporter_id), db.session.get(Comment, comment_id), REPORT_REASON, now=at)
            at = timeline.after(at, 60, 1800)
        hide_comment(db.session.get(User, moderator_ids[0]), db.session.get(Comment, comment_id), HIDE_REASON,
                     now=timeline.after(at, 600, 7200))


def select_proposals(proposal_ids, moderator_ids, shortlist_at, select_at):
    """The committee shortlists ten subnational proposals, then selects seven of them."""
    steps = (
        [(moderator_ids[0], code, "shortlisted", SHORTLIST_REASON, shortlist_at)
         for code in catalogue.SELECTED + SHORTLIST_OTHERS]
        + [(moderator_ids[1], code, "selected", SELECT_REASON, select_at) for code in catalogue.SELECTED]
        + [(moderator_ids[1], code, "not_selected", NOT_SELECTED_REASON, select_at + timedelta(minutes=30))
           for code in SHORTLIST_OTHERS]
    )
    for offset, (moderator_id, code, status, reason, at) in enumerate(steps):
        change_status(db.session.get(User, moderator_id), db.session.get(Proposal, proposal_ids[code]), status,
                      reason, now=at + timedelta(minutes=offset))


def load_participation(consultation, activity_end, shortlist_at, select_at):
    """Register the synthetic citizens and play the whole consultation through the services; return it."""
    consultation_id = consultation.id
    rng = random.Random(RANDOM_SEED)
    timeline = Timeline(rng, consultation.opens_at, activity_end)
    proposals = list(db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation_id).order_by(Proposal.code)
    ))
    proposal_ids = {p.code: p.id for p in proposals}
    citizens = plan_citizens(rng, timeline)
    events = plan_events(rng, citizens, proposals, timeline)
    register_citizens(rng, citizens)
    moderator_ids = create_moderators(timeline.start - timedelta(days=7))
    offensive_ids = run_events(rng, events, proposal_ids)
    participants = [c for c in citizens if c.role in ("voter", "both", "commenter")]
    moderate(rng, moderator_ids, offensive_ids, participants, timeline)
    select_proposals(proposal_ids, moderator_ids, shortlist_at, select_at)
    fresh_session()
    return db.session.get(Consultation, consultation_id)
