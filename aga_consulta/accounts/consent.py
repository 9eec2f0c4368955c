"""Consent to personal-data processing (Ley 1581 de 2012, Decreto 1377 de 2013): the version
of the privacy policy a person accepted, and when.

The policy's text is templates/legal/privacy.html; whoever changes what it says raises
POLICY_VERSION and POLICY_DATE here, the one home of both: registration records the version,
the policy page shows it, and accounts that accepted an older one are asked to read the
new one and accept it again.
"""
from datetime import date

from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow

POLICY_VERSION = "1.0"
POLICY_DATE = date(2026, 11, 30)

#: The consent recorded before the policy had a version: the registration checkbox ("Autorizo
#: el tratamiento de mis datos personales según la Ley 1581 de 2012...") that every account
#: created before migration 0009 ticked. Migration 0009 gives those accounts this version.
PRE_POLICY_VERSION = "0"


def renewal_pending(user):
    """True when `user` accepted an older policy than the current one."""
    return user.consent_version != POLICY_VERSION


def renew_consent(user, now=None):
    """Record that `user` accepted the current policy, now."""
    user.consent_version = POLICY_VERSION
    user.consented_at = now or utcnow()
    db.session.commit()
