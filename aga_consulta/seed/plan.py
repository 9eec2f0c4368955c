"""The IV Plan's published plan (2020-2022): its 15 commitments and a reconstructed follow-up.

What is real: the plan has 15 commitments, 8 national and 7 subnational (OGP IRM action
plan review and results report of Colombia 2020-2022; the CEPAL planning observatory's page
on the fourth plan). The five national executive commitments (open data against corruption,
procedures, the environmental information system SIAC, transparency in public finances,
social control of royalty projects) and their lead institutions follow those records; the
three of control bodies and high courts are led by the Procuraduría General de la Nación,
the Consejo de Estado and the Corte Constitucional, whose titles here are approximate
paraphrases (the records seen describe them only in outline). The seven subnational
commitments are the seven proposals the reference consultation selected, with their
proposers as lead institutions. The plan's period (January 2021 to August 2022) is an
approximation of the two-year cycle.

What is invented: every milestone, progress report, narrative and evidence link, and the
completion levels they lead to (loosely shaped on the results report: the Palmira bank of
open tenders stands out, most others show modest progress). The plan is flagged
`is_reconstruction`, and every page that shows it says so.

Everything goes through the services the web uses: the selected proposals become the
first commitments when the plan is published; the lead institutions' accounts report;
the committee's moderator publishes.
"""
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from aga_consulta.accounts.models import User
from aga_consulta.accounts.services import get_user_by_email, register_citizen
from aga_consulta.consultations.services import get_by_slug as get_consultation
from aga_consulta.extensions import db
from aga_consulta.plan import commitments, milestones, reports
from aga_consulta.plan.models import Plan
from aga_consulta.processes.services import get_by_slug as get_process
from aga_consulta.seed import catalogue
from aga_consulta.seed.cocreation import IV_PLAN_SLUG, create_process_moderator
from aga_consulta.seed.participation import SEED_DOMAIN, cheap_password_hashing, lock_synthetic_accounts

PLAN_TITLE = "IV Plan de Acción Nacional de Estado Abierto 2020-2022"
STARTS_ON = date(2021, 1, 1)
ENDS_ON = date(2022, 8, 31)
#: The three invented milestones of every commitment: (deliverable pattern, start, end).
MILESTONE_WINDOWS = (
    ("Diagnóstico y plan de trabajo publicados: {topic}", date(2021, 1, 1), date(2021, 6, 30)),
    ("Primera versión en funcionamiento: {topic}", date(2021, 7, 1), date(2021, 12, 31)),
    ("Informe final con la evaluación de la ciudadanía: {topic}", date(2022, 1, 1), date(2022, 8, 31)),
)
#: The dates of the invented progress reports.
REPORT_DATES = (date(2021, 6, 30), date(2021, 12, 31), date(2022, 8, 31))
NOTE = " (Reconstrucción: avance inventado.)"

# (lead institution, title, topic, OGP values, problem, commitment) of the national commitments.
NATIONAL = (
    ("Secretaría de Transparencia de la Presidencia", "Datos abiertos para la lucha contra la corrupción",
     "datos del Programa Interamericano de Datos Abiertos", ("transparency", "technology"),
     "Los datos útiles para prevenir y detectar la corrupción están dispersos y no se publican en formatos abiertos.",
     "Publicar en datos.gov.co los conjuntos de datos del Programa Interamericano de Datos Abiertos contra la "
     "corrupción (PIDA) y promover su uso."),
    ("Departamento Administrativo de la Función Pública", "Colaboración abierta para trámites sencillos y libres "
     "de corrupción", "trámites ambientales, de salud y tributarios", ("participation", "accountability"),
     "Trámites complejos en los sectores ambiental, de salud y tributario abren espacio a riesgos de corrupción.",
     "Optimizar y estandarizar trámites a partir de la identificación colaborativa de brechas y riesgos."),
    ("Ministerio de Ambiente y Desarrollo Sostenible", "Sistema de Información Ambiental de Colombia (SIAC)",
     "ventanilla única del SIAC", ("transparency", "technology"),
     "La información ambiental y los trámites del sector están fragmentados entre entidades.",
     "Implementar un metamodelo de gestión del SIAC y la arquitectura de una ventanilla única de trámites y "
     "servicios ambientales."),
    ("Ministerio de Hacienda y Crédito Público", "Transparencia en las finanzas públicas",
     "trazabilidad del gasto público", ("transparency", "accountability"),
     "No es posible seguir un peso público desde la programación hasta la contratación.",
     "Armonizar las plataformas de programación, giro, inversión y contratación para dar trazabilidad a los "
     "recursos, con énfasis en género, paz y la emergencia sanitaria."),
    ("Departamento Nacional de Planeación", "Control social a proyectos de inversión «Regalías COVID-19»",
     "control social a proyectos de regalías", ("participation", "accountability"),
     "Los proyectos financiados con regalías durante la emergencia tuvieron poco seguimiento ciudadano.",
     "Promover la participación ciudadana en el seguimiento de los proyectos del Sistema General de Regalías y "
     "retroalimentar con ella el sistema de monitoreo."),
    ("Procuraduría General de la Nación", "Seguimiento abierto al cumplimiento de la Ley de Transparencia",
     "índice de cumplimiento de la Ley de Transparencia", ("transparency", "accountability"),
     "El cumplimiento de la Ley 1712 de 2014 por las entidades obligadas se mide poco y se publica menos.",
     "Publicar en datos abiertos la medición del cumplimiento de la Ley de Transparencia y sus resultados por "
     "entidad."),
    ("Consejo de Estado", "Justicia abierta: decisiones y agenda judicial accesibles",
     "relatoría y agenda judicial en datos abiertos", ("transparency", "technology"),
     "Las decisiones y la agenda de la jurisdicción son difíciles de consultar para la ciudadanía.",
     "Publicar las providencias y la agenda judicial en formatos abiertos y lenguaje claro."),
    ("Corte Constitucional", "Corte Constitucional abierta y en lenguaje claro",
     "sentencias en lenguaje claro y datos abiertos", ("transparency", "participation"),
     "Las sentencias y el trámite de los procesos de constitucionalidad no llegan a la ciudadanía.",
     "Publicar datos abiertos y resúmenes en lenguaje claro de las decisiones, y abrir canales de participación "
     "en los procesos de constitucionalidad."),
)

#: The invented completion levels at each report date, by commitment code (C01-C07 subnational).
LEVELS = {
    "C01": ("limited", "substantial", "complete"),  # Palmira's bank of open tenders
    "C02": ("not_started", "limited", "limited"),
    "C03": ("limited", "limited", "substantial"),
    "C04": ("limited", "substantial", "substantial"),
    "C05": ("not_started", "limited", "limited"),
    "C06": ("limited", "limited", "substantial"),
    "C07": ("not_started", "not_started", "limited"),
    "C08": ("not_started", "limited", "limited"),
    "C09": ("limited", "substantial", "substantial"),
    "C10": ("limited", "limited", "substantial"),
    "C11": ("not_started", "limited", "limited"),
    "C12": ("not_started", "limited", "limited"),
    "C13": ("limited", "limited", "substantial"),
    "C14": ("limited", "substantial", "substantial"),
    "C15": ("not_started", "limited", "substantial"),
}
#: Milestones complete at each report, by level: (first, second, third) states.
STATES = {
    "not_started": ("pending", "pending", "pending"),
    "limited": ("in_progress", "pending", "pending"),
    "substantial": ("complete", "in_progress", "pending"),
    "complete": ("complete", "complete", "complete"),
}


def _institution_account(code, institution, department, registered_at):
    """The synthetic account that speaks for `institution` (created once, kept across reloads)."""
    email = f"enlace-{code.lower()}@{SEED_DOMAIN}"
    existing = get_user_by_email(email)
    if existing is not None:
        return existing.id
    with cheap_password_hashing():
        user = register_citizen(name=f"Enlace de seguimiento {code}", email=email, password=f"seed-{code}-" * 4,
                                department_code=department or "11", accepted_terms=True, role="institution",
                                email_confirmed=True, institution=institution,
                                institution_department=department, now=registered_at)
        user_id = user.id
    lock_synthetic_accounts()
    return user_id


def _national_values(lead, title, topic, ogp, problem, commitment):
    return {"title": title, "lead_institution": lead, "scope": "national", "starts_on": STARTS_ON,
            "ends_on": ENDS_ON, "problem": problem, "commitment": commitment,
            "expected_results": f"Avances verificables en {topic}.",
            "contribution": "Hace pública y verificable la información que la ciudadanía necesita para vigilar.",
            "ogp_values": list(ogp)}


def _milestones(topic):
    return [{"deliverable": pattern.format(topic=topic), "starts_on": start, "ends_on": end}
            for pattern, start, end in MILESTONE_WINDOWS]


def load_plan():
    """Publish the IV Plan's plan with its 15 commitments and their reconstructed follow-up; return the plan id.

    Does nothing (returns None) when the process or its consultation is missing, or a plan exists.
    """
    process = get_process(IV_PLAN_SLUG)
    consultation = get_consultation(catalogue.SLUG)
    if process is None or consultation is None or commitments.plan_of(process.id) is not None:
        return None
    moderator_id = create_process_moderator()
    published_at = datetime(2020, 12, 15, 15, 0)
    plan = commitments.publish_plan(None, process.id, title=PLAN_TITLE, starts_on=STARTS_ON, ends_on=ENDS_ON,
                                    consultation=consultation, is_reconstruction=True, now=published_at)
    plan_id = plan.id
    moderator = db.session.get(User, moderator_id)
    # The selected proposals came first (C01-C07): complete their template and milestones.
    for commitment in list(plan.commitments):
        topic = commitment.title[0].lower() + commitment.title[1:]
        values = {"title": commitment.title, "lead_institution": commitment.lead_institution,
                  "starts_on": STARTS_ON, "ends_on": ENDS_ON, "problem": commitment.problem or commitment.title,
                  "commitment": commitment.commitment or commitment.title,
                  "expected_results": f"Avances verificables en {topic}.",
                  "contribution": "Acerca la gestión territorial a la ciudadanía y la hace verificable.",
                  "ogp_values": ["transparency", "participation"], "other_actors": commitment.other_actors}
        commitments.update_commitment(moderator, commitment, values, commitment.version, now=published_at)
        for spec in _milestones(topic):
            milestones.add_milestone(moderator, commitment, spec, commitment.version, now=published_at)
    for lead, title, topic, ogp, problem, text in NATIONAL:
        commitments.add_commitment(None, plan, _national_values(lead, title, topic, ogp, problem, text),
                                   _milestones(topic), now=published_at)
    _report_progress(plan_id, moderator_id)
    return plan_id


def _report_progress(plan_id, moderator_id):
    plan = db.session.get(Plan, plan_id)
    summaries = [SimpleNamespace(id=c.id, code=c.code, lead=c.lead_institution, department=c.department_code)
                 for c in plan.commitments]
    for item in summaries:
        author_id = _institution_account(item.code, item.lead, item.department, datetime(2020, 12, 1))
        for n, reported_on in enumerate(REPORT_DATES):
            level = LEVELS[item.code][n]
            commitment = commitments.get_commitment(item.id)
            states = dict(zip((m.id for m in commitment.milestones), STATES[level]))
            submitted_at = datetime.combine(reported_on, datetime.min.time()) + timedelta(days=5, hours=14)
            report = reports.submit_report(
                db.session.get(User, author_id), commitment, reported_on=reported_on, completion=level,
                milestone_states=states, narrative=_narrative(item.code, n, level),
                links=[f"https://www.datos.gov.co/reconstruccion/{item.code.lower()}/reporte-{n + 1}"],
                now=submitted_at)
            reports.publish_report(db.session.get(User, moderator_id), report, report.version,
                                   now=submitted_at + timedelta(days=3))


def _narrative(code, n, level):
    stage = ("primer semestre", "segundo semestre", "cierre del plan")[n]
    return {
        "not_started": f"Informe del {stage}: las actividades del compromiso {code} aún no comenzaron.",
        "limited": f"Informe del {stage}: el compromiso {code} avanzó en el diagnóstico y la planeación.",
        "substantial": f"Informe del {stage}: el compromiso {code} entregó sus primeros productos verificables.",
        "complete": f"Informe del {stage}: el compromiso {code} cumplió todos sus hitos.",
    }[level] + NOTE
