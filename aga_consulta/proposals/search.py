"""Text search over proposals that ignores accents and case ("participacion" finds "participación").

PostgreSQL: Spanish full-text search over unaccented text, through the GIN index of migration
0026. SQLite: that migration's FTS5 table, whose tokenizer drops diacritics and case. Each
word typed is a prefix ("particip" finds "participación"), and every word must match.
"""
import re

from sqlalchemy import text

from aga_consulta.extensions import db

#: Words of a query beyond this many are ignored (a pasted paragraph is not a search).
MAX_TERMS = 8
#: Longest word kept; longer ones are cut.
MAX_TERM_LENGTH = 40
#: The columns searched, in the order migration 0026 indexes them.
COLUMNS = ("code", "title", "summary", "body", "proposer")
#: Schema objects of migration 0026 that no model declares: autogenerate must leave them alone.
FTS_TABLE = "proposals_fts"
SEARCH_INDEX = "ix_proposals_search"

_WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" is a word character, not a letter
# Exactly the indexed expression of migration 0026, or PostgreSQL scans the table.
_DOCUMENT = "to_tsvector('spanish'::regconfig, aga_unaccent(" + " || ' ' || ".join(
    ["replace(proposals.code, '-', ' ')", *(f"proposals.{name}" for name in COLUMNS[1:])]) + "))"


def terms(query):
    """The words of a typed query, lower-cased and capped (letters and digits only, so no operator passes)."""
    return [word[:MAX_TERM_LENGTH] for word in _WORD.findall((query or "").lower())][:MAX_TERMS]


def matching(query):
    """A WHERE clause keeping the proposals that match every word of `query`, or None when it has no word."""
    words = terms(query)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return text(f"{_DOCUMENT} @@ to_tsquery('spanish'::regconfig, aga_unaccent(:search_terms))").bindparams(
            search_terms=tsquery)
    # FTS5: each word a quoted string (never syntax) with a prefix star.
    fts_query = " ".join(f'"{word}"*' for word in words)
    return text(f"proposals.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :search_terms)").bindparams(
        search_terms=fts_query)


def include_in_autogenerate(name, type_, parent_names):
    """Alembic's include_name: False for the search's own tables and index, which no model declares."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "index":
        return name != SEARCH_INDEX
    return True
