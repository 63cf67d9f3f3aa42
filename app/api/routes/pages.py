"""The page at / and the plotly.js bundle it uses, served by the app itself (works offline)."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from app import __version__
from app.api.middleware.compress import accepts_gzip
from app.api.routes.limits import limits_of
from app.config import TEMPLATES_DIR

router = APIRouter(tags=["pages"])

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["app_version"] = __version__
templates.env.globals["plotly_version"] = metadata.version("plotly")


@pass_context
def root_relative_url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    """The path of a route, e.g. /static/css/app.css: never the Host header a client sent."""
    request: Request = context["request"]
    return request.url_for(name, **path_params).path


templates.env.globals["url_for"] = root_relative_url_for

JS_MEDIA_TYPE = "text/javascript; charset=utf-8"
LONG_CACHE = "public, max-age=31536000"  # the page links it with ?v=<plotly version>


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def get_index(request: Request) -> HTMLResponse:
    """The explorer page, with the service's limits in its initial data."""
    limits = limits_of(request.app.state.settings).model_dump()
    return templates.TemplateResponse(request, "index.html", {"limits": limits})


@dataclass(frozen=True)
class Asset:
    """A file's bytes, gzipped once, with a strong ETag."""

    raw: bytes
    gzipped: bytes
    etag: str


@lru_cache(maxsize=1)
def plotly_bundle() -> Asset:
    """plotly.min.js from the installed plotly package, read and gzipped on first use."""
    raw = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    etag = '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'
    return Asset(raw=raw, gzipped=gzip.compress(raw, compresslevel=9, mtime=0), etag=etag)


@router.get("/static/vendor/plotly.min.js", name="plotly_js", include_in_schema=False)
def get_plotly_js(request: Request) -> Response:
    """The plotly.js bundle: gzip when accepted, long-cached, revalidated by ETag."""
    asset = plotly_bundle()
    use_gzip = accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = asset.etag[:-1] + '-gzip"' if use_gzip else asset.etag  # one ETag per encoding
    headers = {"Cache-Control": LONG_CACHE, "ETag": etag, "Vary": "Accept-Encoding"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=JS_MEDIA_TYPE, headers=headers)
    return Response(asset.raw, media_type=JS_MEDIA_TYPE, headers=headers)
