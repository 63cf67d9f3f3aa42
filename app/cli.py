"""Command line: `bptt-explorer --host 127.0.0.1 --port 8000` starts the web app with uvicorn."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from app import __version__


def build_parser() -> argparse.ArgumentParser:
    """The arguments of `bptt-explorer` (and `python -m app`)."""
    parser = argparse.ArgumentParser(
        prog="bptt-explorer",
        description="Serve BPTT Explorer: the page at / and the REST API at /api (docs at /docs).",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    add("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    add("--workers", type=int, default=1, help="processes; the API is stateless (default: 1)")
    add("--reload", action="store_true", help="restart on code changes (development)")
    add("--log-level", default=None, help="uvicorn log level (default: BPTT_LOG_LEVEL)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run uvicorn on `app.main:app` until interrupted."""
    import uvicorn

    from app.config import get_settings

    args = build_parser().parse_args(argv)
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        reload=args.reload,
        log_level=(args.log_level or get_settings().log_level).lower(),
        access_log=False,  # the app writes its own JSON access log (logger "bptt.access")
    )
    return 0
