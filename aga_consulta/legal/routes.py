"""/privacidad, /terminos, /accesibilidad, and accepting a new version of the privacy policy."""
from datetime import date

from flask import Blueprint, current_app, flash, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aga_consulta.accounts import consent
from aga_consulta.legal.forms import AcceptPolicyForm
from aga_consulta.web import current_actor, see_other

bp = Blueprint("legal", __name__)

#: When the accessibility statement was last reviewed against the site.
ACCESSIBILITY_REVIEWED = date(2026, 11, 30)


def _controller():
    """The entity responsible for the data, as the deployment configured it."""
    config = current_app.config
    return {
        "name": config["DATA_CONTROLLER_NAME"],
        "nit": config["DATA_CONTROLLER_NIT"],
        "address": config["DATA_CONTROLLER_ADDRESS"],
        "email": config["DATA_CONTROLLER_EMAIL"],
    }


@bp.app_context_processor
def legal_context():
    """Every page may ask whether the visitor accepted an older policy (the banner), and which is current."""

    def consent_renewal_pending():
        return current_user.is_authenticated and consent.renewal_pending(current_user)

    return {"consent_renewal_pending": consent_renewal_pending, "privacy_policy_version": consent.POLICY_VERSION}


@bp.route("/privacidad")
def privacy():
    """The privacy policy: who is responsible, what for, the holder's rights and how to use them."""
    return render_template(
        "legal/privacy.html",
        controller=_controller(),
        version=consent.POLICY_VERSION,
        policy_date=consent.POLICY_DATE,
        accept_form=AcceptPolicyForm(),
    )


@bp.route("/privacidad/aceptar", methods=["POST"])
@login_required
def accept_policy():
    """Record that I accept the current version of the privacy policy."""
    if AcceptPolicyForm().validate_on_submit():
        consent.renew_consent(current_actor())
        flash(_("Registramos que aceptas la versión %(version)s de la política de tratamiento de datos.",
                version=consent.POLICY_VERSION), "success")
    return see_other("legal.privacy")


@bp.route("/terminos")
def terms():
    """The terms of use."""
    return render_template("legal/terms.html", controller=_controller(), version=consent.POLICY_VERSION,
                           policy_date=consent.POLICY_DATE)


@bp.route("/accesibilidad")
def accessibility():
    """The accessibility statement: the WCAG 2.1 AA target, what is known to fall short, whom to tell."""
    return render_template("legal/accessibility.html", controller=_controller(), reviewed=ACCESSIBILITY_REVIEWED)
