"""GET /docs: Swagger UI served by the app itself (offline, and no inline script for the CSP).

FastAPI's own /docs loads Swagger UI from a CDN and starts it with an inline <script>; both
fail here (no internet in a lecture hall; `script-src 'self'`). The swagger-ui-bundle-v2
package ships the Swagger UI files; a tiny external init script starts it.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)

router = APIRouter(tags=["docs"])

INIT_JS = """\
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: document.body.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
  });
});
"""

PAGE = """\
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} — API docs</title>
  <link rel="icon" href="{favicon}" type="image/svg+xml">
  <link rel="stylesheet" href="{css}">
</head>
<body data-openapi-url="{openapi}">
  <div id="swagger-ui"></div>
  <script src="{bundle}"></script>
  <script src="{init}"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def get_docs(request: Request) -> HTMLResponse:
    """Swagger UI for the OpenAPI schema at /openapi.json."""
    html = PAGE.format(
        title=request.app.title,
        favicon=request.url_for("static", path="favicon.svg").path,
        css=request.url_for("swagger_ui", path="swagger-ui.css").path,
        bundle=request.url_for("swagger_ui", path="swagger-ui-bundle.js").path,
        init=request.url_for("docs_init_js").path,
        openapi=request.app.openapi_url,
    )
    return HTMLResponse(html)


@router.get("/docs/init.js", name="docs_init_js", include_in_schema=False)
def get_docs_init_js() -> Response:
    """The script that starts Swagger UI (external, so the CSP needs no inline script)."""
    return Response(INIT_JS, media_type="text/javascript; charset=utf-8")


def mount_swagger_ui(app: FastAPI) -> None:
    """Serve the Swagger UI files at /docs/assets."""
    app.mount("/docs/assets", StaticFiles(directory=SWAGGER_UI_DIR), name="swagger_ui")
