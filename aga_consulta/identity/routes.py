"""The layout's identity for every page, the configured colours' style sheet, the favicon and robots.txt."""
import os

from flask import Blueprint, current_app, request, send_from_directory

from aga_consulta.identity import services

bp = Blueprint("identity", __name__)

#: A year: the theme sheet's URL carries its digest, so a new colour is a new URL.
LONG_CACHE = 365 * 24 * 3600
#: Paths no search engine should index: the staff screens. Personal pages need a login, and a
#: Disallow for them would also keep crawlers from the pages that redirect there.
ROBOTS = "User-agent: *\nDisallow: /moderation/\n"


@bp.app_context_processor
def site_identity():
    """Give every template `site`: the configured names, logo, contact details and theme."""
    return {"site": services.identity(current_app.config)}


@bp.route("/theme.css")
def theme():
    """The configured colours as CSS custom properties (empty with the defaults)."""
    css = services.theme_css(current_app.config)
    response = current_app.response_class(css, mimetype="text/css")
    if request.args.get("v") == services.theme_version(css):
        response.cache_control.public = True
        response.cache_control.max_age = LONG_CACHE
    return response


@bp.route("/favicon.ico")
def favicon():
    """The icon browsers ask for by themselves, whatever the page links."""
    return send_from_directory(os.path.join(current_app.static_folder, "img"), "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600)


@bp.route("/robots.txt")
def robots():
    """Let search engines index the public pages, not the staff or personal ones."""
    return current_app.response_class(ROBOTS, mimetype="text/plain")
