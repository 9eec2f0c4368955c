"""aga_consulta: a citizen-consultation platform for Open Government action plans."""
import logging
import os

from flask import Flask
from flask import logging as flask_logging
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEFAULT_SECRET_KEY, INSTANCE_DIR, ConfigError, get_config

ROOT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))


def create_app(config_name=None, overrides=None):
    """Build the Flask application (the factory)."""
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT_DIR, "templates"),
        static_folder=os.path.join(ROOT_DIR, "static"),
        instance_path=INSTANCE_DIR,
    )
    config_class = get_config(config_name)
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    # JSON answers (refusals for scripts, the tally) carry Spanish text as UTF-8, not \u escapes.
    app.json.ensure_ascii = False

    if app.config["IS_PRODUCTION"] and app.config["SECRET_KEY"] in (
        DEFAULT_SECRET_KEY, "", None,
    ):
        raise RuntimeError("Production refuses to start without a SECRET_KEY of its own.")
    from aga_consulta.identity.services import color_problems

    # A colour goes into a style sheet: anything but #rrggbb stops the start, as a bad number does.
    if color_problems(app.config):
        raise ConfigError("Invalid configuration: " + "; ".join(color_problems(app.config)))
    if app.config["IS_PRODUCTION"]:
        from aga_consulta.ledger.keys import signer

        # Checkpoints signed with a key derived from SECRET_KEY would be worth no more than it.
        signer(app.config)
    from aga_consulta import mail

    mail.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # app.logger is "aga_consulta", the parent of every module's logger: with Flask's own
    # handler on it as well as the root's, each line of the package was written twice.
    app.logger.removeHandler(flask_logging.default_handler)

    _init_extensions(app)
    _register_blueprints(app)
    from aga_consulta import uploads

    uploads.init_app(app)

    from aga_consulta.errors import register_error_handlers
    from aga_consulta.security import register_security
    from aga_consulta import i18n, cli, web

    register_error_handlers(app)
    register_security(app)
    i18n.register(app)
    web.register_form_helpers(app)
    cli.register(app)
    from aga_consulta.ledger.sequencer import register as register_sequencer

    register_sequencer(app)
    return app


def _init_extensions(app):
    from aga_consulta.extensions import babel, csrf, db, limiter, login_manager, migrate
    from aga_consulta import models  # noqa: F401  (every model registered before Alembic looks)
    from aga_consulta.i18n import select_locale

    db.init_app(app)
    from aga_consulta.proposals.search import include_in_autogenerate

    # The search's FTS5 table and GIN index (migration 0026) have no model: `flask db check` skips them.
    migrate.init_app(app, db, directory=os.path.join(ROOT_DIR, "migrations"), compare_type=True, render_as_batch=True,
                     include_name=include_in_autogenerate)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Inicia sesión para continuar.")
    login_manager.login_message_category = "info"

    from aga_consulta.accounts.services import load_user_by_session_token

    login_manager.user_loader(load_user_by_session_token)


def _register_blueprints(app):
    from aga_consulta.accounts.routes import bp as accounts_bp
    from aga_consulta.comments.routes import bp as comments_bp
    from aga_consulta.committee import routes as committee
    from aga_consulta.exports import routes as exports
    from aga_consulta.identity.routes import bp as identity_bp
    from aga_consulta.legal.routes import bp as legal_bp
    from aga_consulta.ledger import routes as transparency
    from aga_consulta.moderation import cocreation as cocreation_admin
    from aga_consulta.moderation import routes as moderation
    from aga_consulta.portal.routes import bp as portal_bp
    from aga_consulta.processes.routes import bp as processes_bp
    from aga_consulta.surveys.routes import bp as surveys_bp
    from aga_consulta.events.routes import bp as events_bp
    from aga_consulta.plan import routes as plan
    from aga_consulta.tally.routes import bp as tally_bp
    from aga_consulta.voting.routes import bp as voting_bp

    for blueprint in (
        portal_bp,  # home, consultation and proposal pages, /me
        accounts_bp, voting_bp, comments_bp,
        moderation.bp,  # /moderation/*
        cocreation_admin.bp,  # /moderation/processes, surveys, events
        tally_bp,  # the public results page
        processes_bp,  # co-creation processes: timeline and results sheet
        surveys_bp,  # questionnaires and their results
        events_bp,  # workshops and expert sessions
        committee.bp, committee.staff_bp,  # the AGA committee, and its moderators' screens
        plan.bp, plan.moderator_bp,  # commitments, progress reports, and their moderation
        exports.bp, exports.moderator_bp,  # open data, and the full set under /moderation/
        legal_bp,  # privacy policy, terms of use, accessibility statement
        identity_bp,  # the site's names, logo, colours and contact for every page; favicon, robots.txt
        transparency.bp,  # the log's checkpoints, entries, proofs, key and verifier
    ):
        app.register_blueprint(blueprint)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite: enforce foreign keys, let readers run beside the writer (WAL), and make a
    # writer wait for the lock instead of failing with "database is locked".
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        from flask import current_app, has_app_context

        timeout = 15000
        if has_app_context():
            timeout = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", timeout)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
