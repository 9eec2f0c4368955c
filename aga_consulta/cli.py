"""Command line: `flask --app app seed|users ...`."""
import sys

import click
from flask.cli import AppGroup

from aga_consulta.accounts import services as accounts
from aga_consulta.accounts.models import ROLES
from aga_consulta.errors import DomainError
from aga_consulta.accounts import roles

seed_cli = AppGroup("seed", help="Load reference data.")
users_cli = AppGroup("users", help="Manage accounts and roles.")


@seed_cli.command("reference")
@click.option("--reset", is_flag=True, help="Delete and reload the reference data (the practice process opens anew).")
# Kept so that older scripts still run: the reference is always the 2020 history now.
@click.option("--historical", is_flag=True, hidden=True)
@click.option("--if-empty", is_flag=True, help="Load only when the database has no consultation.")
def seed_reference(reset, historical, if_empty):
    """Load the IV Plan (process iv-plan, consultation iv-plan-2020) as 2020 history, and the practice process demo."""
    from aga_consulta.seed.cocreation import DEMO_DAYS
    from aga_consulta.seed.reference import database_is_empty, load_reference

    if if_empty and not database_is_empty():
        click.echo("Database already has consultations; nothing loaded.")
        return
    consultation = load_reference(reset=reset)
    if consultation is None:
        click.echo("The reference consultation exists already (use --reset to reload it).")
        return
    from aga_consulta.ledger.services import integrate_all

    # The seed ran through the services, which wrote the log: publish it at once.
    integrate_all()
    click.echo(f"Loaded reference consultation '{consultation.slug}' ({consultation.proposals.count()} proposals), "
               f"closed as in 2020, the process 'iv-plan', and the practice process 'demo' (open for {DEMO_DAYS} days).")


def _read_password(password_stdin):
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in ROLES]), default="citizen", show_default=True)
@click.option("--department", default="11", show_default=True, help="DIVIPOLA code of residence.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--institution", default=None, help="With --role institution: the institution's name.")
@click.option("--institution-department", default=None,
              help="With --role institution: DIVIPOLA code of a subnational government's department.")
@click.option("--institution-municipality", default=None, help="With --institution-department: its municipality.")
def users_create(email, name, role, department, password_stdin, institution, institution_department,
                 institution_municipality):
    """Create an account with a role (the password is prompted for, or read from stdin)."""
    try:
        # The same address rule as the registration form, before the password prompt.
        accounts.check_email(email)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    password = _read_password(password_stdin)
    try:
        user = accounts.register_citizen(
            name=name, email=email, password=password, department_code=department,
            # The operator vouches for the address: staff never wait for a confirmation mail.
            accepted_terms=True, role=role, email_confirmed=True, institution=institution,
            institution_department=institution_department, institution_municipality=institution_municipality,
        )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    roles.record_account_created_by_operator(user)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in ROLES]))
def users_set_role(email, role):
    """Change the role of the account with EMAIL (compared in its normalised form)."""
    user = accounts.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with e-mail {email}.")
    roles.set_role_by_operator(user, role)  # audited, like a role change from the dashboard
    click.echo(f"{user.email} is now {role}.")


@click.command("export")
@click.argument("slug")
@click.option("--out", "directory", required=True, type=click.Path(file_okay=False),
              help="Directory to write the CSV files into (created if missing).")
def export_command(slug, directory):
    """Write every CSV export of the consultation SLUG into a directory."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.exports.services import write_all

    consultation = get_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation with slug {slug!r}.")
    for file_name, rows in write_all(consultation, directory):
        click.echo(f"{file_name}\t{rows} rows")


@click.command("tally")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON instead of a table.")
def tally_command(slug, as_json):
    """Print the tally of the consultation SLUG (a readable table, or JSON with --json)."""
    import json

    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.tally.services import compute_tally, format_table

    consultation = get_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation with slug {slug!r}.")
    tally = compute_tally(consultation)
    click.echo(json.dumps(tally, ensure_ascii=False, indent=2) if as_json else format_table(tally))


@click.command("tally-process")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON instead of a table.")
def tally_process_command(slug, as_json):
    """Print the results sheet of the co-creation process SLUG (a table, or JSON with --json)."""
    import json

    from aga_consulta.processes.services import compute_process_tally, format_table, get_by_slug

    process = get_by_slug(slug)
    if process is None:
        raise click.ClickException(f"No process with slug {slug!r}.")
    tally = compute_process_tally(process)
    click.echo(json.dumps(tally, ensure_ascii=False, indent=2) if as_json else format_table(tally))


def register(app):
    """Attach the command groups to the app."""
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(tally_command)
    app.cli.add_command(tally_process_command)
    app.cli.add_command(export_command)
    app.cli.add_command(transparency_cli)
    app.cli.add_command(bundle_command)


transparency_cli = AppGroup("transparency", help="The transparency log: sequencer, keys, backfill.")


@transparency_cli.command("integrate")
@click.option("--watch", is_flag=True,
              help="Keep running: integrate whenever an entry has waited half the maximum merge delay.")
def transparency_integrate(watch):
    """Run the sequencer once over every consultation's log (or keep running, with --watch)."""
    from flask import current_app

    from aga_consulta.ledger.sequencer import watch as watch_forever
    from aga_consulta.ledger.services import integrate_all

    if watch:
        watch_forever(current_app._get_current_object())
        return
    done = integrate_all()
    click.echo(f"Integrated {sum(done.values())} entries in {len(done)} logs.")


@transparency_cli.command("keygen")
@click.option("--name", default=None, help="The key's name (default: the log name, LOG_ORIGIN).")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False),
              help="Write the key to this file (owner-only; never replaces one) instead of printing it.")
def transparency_keygen(name, out):
    """Create a new Ed25519 signer key (for TRANSPARENCY_SIGNER_KEY) and show its verifier key."""
    from flask import current_app

    from aga_consulta.ledger.keys import create_key_file, log_name, signer
    from aga_consulta.transparency.note import Signer

    name = name or log_name(current_app.config)
    if out is None:
        created = Signer.generate(name)
        click.echo(str(created))
        click.echo(f"# verifier key: {created.verifier}", err=True)
        return
    if not create_key_file(out, name):
        raise click.ClickException(f"{out} exists: a signer key is never overwritten (rotate to a new file).")
    click.echo(f"Wrote a signer key to {out}; set TRANSPARENCY_SIGNER_KEY={out}")
    click.echo(f"verifier key: {signer({'TRANSPARENCY_SIGNER_KEY': out}).verifier}")


@transparency_cli.command("resign")
def transparency_resign():
    """After a key rotation: sign each log's latest checkpoint with the current key too."""
    from aga_consulta.ledger.services import sign_latest_with_current_key

    click.echo(f"Signed {sign_latest_with_current_key()} checkpoints with the current key.")


@transparency_cli.command("backfill")
def transparency_backfill():
    """Build the log of every consultation that has none, from its records in time order."""
    from aga_consulta.ledger.backfill import backfill_all

    done = backfill_all()
    click.echo(f"Backfilled {sum(done.values())} entries in {sum(1 for n in done.values() if n)} logs.")


@click.command("bundle")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The ZIP file to write.")
def bundle_command(slug, out):
    """Write the open-data bundle of the consultation SLUG."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.exports.bundle import write_consultation_bundle

    consultation = get_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation with slug {slug!r}.")
    with open(out, "wb") as stream:
        manifest = write_consultation_bundle(consultation, stream, integrate=True)
    click.echo(f"{out}\t{manifest['checkpoint']['tree_size']} entries")
