"""CSV exports of a consultation: public open data and the moderators' full set."""
