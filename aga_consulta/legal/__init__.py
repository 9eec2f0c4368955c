"""The legal pages: the privacy policy (política de tratamiento de datos personales), the terms
of use and the accessibility statement; and the renewed consent to a new policy version."""
