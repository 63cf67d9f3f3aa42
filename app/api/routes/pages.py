"""The page at / and the plotly.js bundle it uses, served by the app itself (works offline)."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app import __version__
from app.api.routes.limits import limits_of
from app.config import TEMPLATES_DIR

router = APIRouter(tags=["pages"])

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["app_version"] = __version__
templates.env.globals["plotly_version"] = metadata.version("plotly")

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


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (`gzip`, `*`, with q > 0)."""
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


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
