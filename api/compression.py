"""gzip and brotli for the map layers and the gap reports, when the client's Accept-Encoding allows it.

Only these bodies are large and read by browsers and scripts over slow links; XLSX is a zip already. Brotli
(quality 5: most of its gain at a gzip-like cost) is preferred when accepted, else gzip (level 6). A compressed
body carries a weak ETag (the same representation, another encoding), which If-None-Match compares weakly, so
revalidation keeps working; `Vary: Accept-Encoding` keeps caches from mixing the encodings.
"""

from __future__ import annotations

import gzip

import brotli
from flask import Flask, Response, request

COMPRESSED_ENDPOINTS = {"maps.clusters_layer", "maps.counties_layer", "maps.flows_layer", "reports.gap_report"}
COMPRESSIBLE = {"application/geo+json", "application/json", "text/csv"}
MIN_BYTES = 1024  # below this the headers cost more than the saving
BROTLI_QUALITY = 5
GZIP_LEVEL = 6


def _compress(response: Response) -> Response:
    if request.endpoint not in COMPRESSED_ENDPOINTS or request.method != "GET":
        return response
    if response.status_code == 304:  # a 304 carries the Vary its 200 would have (RFC 9110 §15.4.5)
        response.vary.add("Accept-Encoding")
        return response
    if response.status_code != 200:
        return response
    if response.direct_passthrough or "Content-Encoding" in response.headers or response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    accepted = request.accept_encodings
    if len(body) < MIN_BYTES:
        return response
    if accepted["br"]:
        encoded, coding = brotli.compress(body, quality=BROTLI_QUALITY), "br"
    elif accepted["gzip"]:
        encoded, coding = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), "gzip"
    else:
        return response
    response.set_data(encoded)
    response.headers["Content-Encoding"] = coding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def _weak_match() -> None:
    """If-None-Match compares weakly (RFC 9110 §13.1.2): a client echoes the weak tag of a compressed body, which
    flask-smorest's strong comparison would never match, so its W/ is dropped before the view reads the header."""
    if request.endpoint in COMPRESSED_ENDPOINTS and "HTTP_IF_NONE_MATCH" in request.environ:
        request.environ["HTTP_IF_NONE_MATCH"] = request.environ["HTTP_IF_NONE_MATCH"].replace("W/", "")


def register(app: Flask) -> None:
    app.before_request(_weak_match)
    app.after_request(_compress)
