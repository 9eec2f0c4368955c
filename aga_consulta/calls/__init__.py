"""The call for commitment proposals: institutions submit on the OGP template, moderators decide."""
