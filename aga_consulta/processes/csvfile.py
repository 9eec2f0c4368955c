"""Writing the process's public CSV files (small: every row is an aggregate)."""
import csv
import io

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return a text cell prefixed with `'` when a spreadsheet would read it as a formula."""
    # The same rule as the consultation exports (exports.services.neutralise), which sit a
    # layer above this package and cannot be imported from here.
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(columns, rows):
    """Return the CSV text of a header and rows, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()
