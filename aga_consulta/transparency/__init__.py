"""The glass ballot box's building blocks, on the ground floor: no database, no web.

canonical (RFC 8785 JSON), merkle (RFC 9162 trees and proofs), note (C2SP signed notes and
checkpoints), entries (the log's entry schema), bundle (the open-data ZIP) and verify (the
standalone verifier, which imports none of the others: see its docstring).
docs/transparency.md describes the schema, the bundle and the replay rules.
"""
