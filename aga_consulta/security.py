"""Security headers and redirect-target validation.

Own code, not Flask-Talisman: it overwrites the token pages' Referrer-Policy with one app-wide value and has no COOP nor no-store.
"""
from urllib.parse import urlsplit

from flask import abort, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def is_safe_next(target):
    """True when `target` is a local path on this site (refuses //evil, /\\evil, schemes)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return False
    if any(ch in target for ch in ("\\", "\x00", "\r", "\n", "\t")) or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def register_security(app):
    """Refuse NUL bytes in input; add security headers to every response, error pages included."""

    @app.before_request
    def refuse_nul_bytes():
        """NUL never belongs in text, and PostgreSQL refuses it: answer 400 before any query."""
        if "\x00" in request.path:
            abort(400)
        for source in (request.args, request.form):
            for values in source.listvalues():
                if any("\x00" in value for value in values):
                    abort(400)

    @app.after_request
    def security_headers(response):
        """Set CSP and the other hardening headers."""
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            # Pages carry per-user data (CSRF tokens, names): never cached by shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("Cookie")
        return response
