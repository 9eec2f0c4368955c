"""The site's identity as the deployment configured it (config.py: SITE_*, CONTACT_*, GOVCO_BAR)."""
import hashlib
import re

#: The colour settings and the CSS custom property each one sets (static/css/site.css declares them).
COLOR_PROPERTIES = {
    "SITE_COLOR_PRIMARY": "--brand",
    "SITE_COLOR_PRIMARY_DARK": "--brand-dark",
    "SITE_COLOR_ACCENT": "--accent",
}
#: The defaults of those settings, which site.css already holds: with them, no theme sheet is linked.
DEFAULT_COLORS = {"SITE_COLOR_PRIMARY": "#0b4f8a", "SITE_COLOR_PRIMARY_DARK": "#083a66", "SITE_COLOR_ACCENT": "#f2a900"}
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_PHONE_DIGITS = re.compile(r"[^0-9+]")
# A remark in brackets ("(sin configurar)", "(línea gratuita)"), unlike an area code "(601)".
_PHONE_REMARK = re.compile(r"\([^)]*[^\d\s()][^)]*\)")


def color_problems(config):
    """Return one message per colour setting that is not a #rrggbb colour (it would reach a style sheet)."""
    return [f"{name}={config.get(name)!r}: expected a colour like #0b4f8a"
            for name in COLOR_PROPERTIES if not _COLOR.fullmatch(str(config.get(name) or ""))]


def theme_css(config):
    """The style sheet that sets the configured colours (validated at start), or "" for the defaults."""
    custom = {name: config[name].lower() for name in COLOR_PROPERTIES if config[name].lower() != DEFAULT_COLORS[name]}
    if not custom:
        return ""
    declarations = "; ".join(f"{COLOR_PROPERTIES[name]}: {value}" for name, value in custom.items())
    return ":root { " + declarations + "; }\n"


def theme_version(css):
    """A short digest of the theme sheet, so that its URL changes with the colours and may be cached long."""
    return hashlib.sha256(css.encode()).hexdigest()[:12]


def phone_link(phone):
    """The tel: target of a phone number as written ("+57 (601) 000 0000 (sin configurar)" -> "tel:+576010000000"), or None."""
    digits = _PHONE_DIGITS.sub("", _PHONE_REMARK.sub("", phone))
    return f"tel:{digits}" if len(digits.lstrip("+")) >= 3 else None


def identity(config):
    """What the layout shows about the site: names, logo, contact, the GOV.CO bar and the theme sheet's version."""
    css = theme_css(config)
    return {
        "name": config["SITE_NAME"],
        "entity": config["ENTITY_NAME"] or config["DATA_CONTROLLER_NAME"],
        "logo": config["SITE_LOGO"],
        "address": config["CONTACT_ADDRESS"] or config["DATA_CONTROLLER_ADDRESS"],
        "phone": config["CONTACT_PHONE"],
        "phone_link": phone_link(config["CONTACT_PHONE"]),
        "email": config["CONTACT_EMAIL"] or config["DATA_CONTROLLER_EMAIL"],
        "hours": config["CONTACT_HOURS"],
        "govco_bar": config["GOVCO_BAR"],
        "theme_version": theme_version(css) if css else None,
    }
