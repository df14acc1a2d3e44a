"""The web console for promotion teams, served at `/`: static files only, calling the same API with the same key.

Everything it needs is in api/console/ (no CDN, no external tiles), and the Content-Security-Policy holds it to
this origin, so the page works on a county server without internet access.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

ASSETS = Path(__file__).resolve().parent / "console"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

bp = Blueprint("console", __name__)


def _static(name: str) -> Response:
    response = send_from_directory(ASSETS, name, max_age=300)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/", methods=["GET"])
def index() -> Response:
    return _static("index.html")


@bp.route("/console/<path:name>", methods=["GET"])
def asset(name: str) -> Response:
    return _static(name)  # send_from_directory refuses paths that leave ASSETS (404)
