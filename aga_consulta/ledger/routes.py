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


def _bad(message):
    return jsonify({"error": message, "status": 400}), 400


def _naturals(*names):
    """Return the query parameters `names` as non-negative integers, or raise ValueError naming the first bad one."""
    values = []
    for name in names:
        raw = request.args.get(name, "")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise ValueError(_("%(name)s debe ser un número entero no negativo.", name=name))
        values.append(int(raw))
    return values


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
    try:
        start, end = _naturals("start", "end")
    except ValueError as error:
        return _bad(str(error))
    size = log.size
    if start >= end:
        return _bad(_("start debe ser menor que end."))
    if end > size:
        return _bad(_("end pasa del tamaño del árbol publicado (%(size)d).", size=size))
    if end - start > services.MAX_ENTRIES_PER_REQUEST:
        return _bad(_("Como máximo %(most)d entradas por consulta.", most=services.MAX_ENTRIES_PER_REQUEST))
    return jsonify([item.decode("utf-8") for item in services.entries_range(log.id, start, end)])


@bp.route("/<slug>/proof/inclusion")
@results_limit
def inclusion(slug):
    """The inclusion proof of leaf `index` in the tree of `size`."""
    log = or_404(services.log_by_slug(slug))
    try:
        index, size = _naturals("index", "size")
    except ValueError as error:
        return _bad(str(error))
    published = log.size
    if size > published:
        return _bad(_("size pasa del tamaño del árbol publicado (%(size)d).", size=published))
    if index >= size:
        return _bad(_("index debe ser menor que size."))
    hashes = services.inclusion_proof(log.id, index, size, published)
    return jsonify({"leaf_index": index, "tree_size": size, "hashes": hashes})


@bp.route("/<slug>/proof/consistency")
@results_limit
def consistency(slug):
    """The consistency proof from the tree of `first` to that of `second`."""
    log = or_404(services.log_by_slug(slug))
    try:
        first, second = _naturals("first", "second")
    except ValueError as error:
        return _bad(str(error))
    published = log.size
    if second > published:
        return _bad(_("second pasa del tamaño del árbol publicado (%(size)d).", size=published))
    if first == 0:
        return _bad(_("first debe ser mayor que 0: no hay prueba desde el árbol vacío."))
    if first > second:
        return _bad(_("first no puede ser mayor que second."))
    hashes = services.consistency_proof(log.id, first, second, published)
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
