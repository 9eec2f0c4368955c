"""The log's public endpoints (contract: Transparency): checkpoint, entries, proofs, key, verifier."""
import os

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _

from aga_consulta.ledger import keys, services
from aga_consulta.web import or_404, results_limit

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

VERIFY_PY = os.path.join(os.path.dirname(os.path.dirname(__file__)), "transparency", "verify.py")


def _text(body):
    return Response(body, mimetype="text/plain")


class BadQuery(Exception):
    """A query the log's endpoints refuse: 400 with {"error": message, "status": 400}."""


@bp.errorhandler(BadQuery)
def _bad(error):
    return jsonify({"error": str(error), "status": 400}), 400


def _naturals(*names):
    """Return the query parameters `names` as non-negative integers, or raise BadQuery naming the first bad one."""
    values = []
    for name in names:
        raw = request.args.get(name, "")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise BadQuery(_("%(name)s debe ser un número entero no negativo.", name=name))
        values.append(int(raw))
    return values


def _within_published(log, name, value):
    """Refuse (BadQuery) the parameter `name` when `value` is past the log's published tree size."""
    if value > log.size:
        raise BadQuery(_("%(name)s pasa del tamaño del árbol publicado (%(size)d).", name=name, size=log.size))


def _proof_query(slug, smaller, larger):
    """The log of `slug` (404 without one) and the naturals `smaller`, `larger`, the larger within the published tree.

    :raises BadQuery: a parameter that is not a natural number, or `larger` past the published tree.
    """
    log = or_404(services.log_by_slug(slug))
    values = _naturals(smaller, larger)
    _within_published(log, larger, values[1])
    return log, values


@bp.route("/<slug>/checkpoint")
@results_limit
def checkpoint(slug):
    """The latest signed checkpoint of the consultation's log."""
    log = or_404(services.log_by_slug(slug))
    latest = or_404(services.latest_checkpoint(log.id))
    return _text(latest.note)


@bp.route("/<slug>/entries")
@results_limit
def entries(slug):
    """Entries start .. end-1 (at most MAX_ENTRIES_PER_REQUEST), as a JSON list of strings."""
    log = or_404(services.log_by_slug(slug))
    start, end = _naturals("start", "end")
    if start >= end:
        raise BadQuery(_("start debe ser menor que end."))
    _within_published(log, "end", end)
    if end - start > services.MAX_ENTRIES_PER_REQUEST:
        raise BadQuery(_("Como máximo %(most)d entradas por consulta.", most=services.MAX_ENTRIES_PER_REQUEST))
    return jsonify([item.decode("utf-8") for item in services.entries_range(log.id, start, end)])


@bp.route("/<slug>/proof/inclusion")
@results_limit
def inclusion(slug):
    """The inclusion proof of leaf `index` in the tree of `size`."""
    log, (index, size) = _proof_query(slug, "index", "size")
    if index >= size:
        raise BadQuery(_("index debe ser menor que size."))
    hashes = services.inclusion_proof(log.id, index, size, log.size)
    return jsonify({"leaf_index": index, "tree_size": size, "hashes": hashes})


@bp.route("/<slug>/proof/consistency")
@results_limit
def consistency(slug):
    """The consistency proof from the tree of `first` to that of `second`."""
    log, (first, second) = _proof_query(slug, "first", "second")
    if first == 0:
        raise BadQuery(_("first debe ser mayor que 0: no hay prueba desde el árbol vacío."))
    if first > second:
        raise BadQuery(_("first no puede ser mayor que second."))
    hashes = services.consistency_proof(log.id, first, second, log.size)
    return jsonify({"first": first, "second": second, "hashes": hashes})


@bp.route("/key")
def key():
    """The verifier key of every log of this deployment."""
    return _text(keys.verifier_key() + "\n")


@bp.route("/verify.py")
def verify_script():
    """The standalone verifier, this very file."""
    with open(VERIFY_PY, "rb") as stream:
        body = stream.read()
    response = Response(body, mimetype="text/x-python")
    response.headers["Content-Disposition"] = "attachment; filename=verify.py"
    return response


@bp.route("/how-to-verify")
def how_to_verify():
    """The plain-language page: how anyone checks the figures with the bundle and the verifier."""
    return render_template("transparency/how_to_verify.html")
