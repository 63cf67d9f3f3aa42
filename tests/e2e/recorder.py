"""What a page did while a browser test drove it: errors, hosts contacted, API request bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, Request

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Recorder:
    """Console errors, hosts and the POST bodies sent to /api/bptt and /api/train by one page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.hosts: list[str] = []
        self.bptt: list[dict[str, Any]] = []  # every /api/bptt body
        self.graph: list[
            dict[str, Any]
        ] = []  # the graph's own: detail "full" (the lab's are "norms")
        self.train: list[dict[str, Any]] = []  # every /api/train body
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https", "ws", "wss"):
            self.hosts.append(url.hostname or "")
        if request.method != "POST":
            return
        if url.path == "/api/bptt":
            body = json.loads(request.post_data or "{}")
            self.bptt.append(body)
            if body.get("detail", "full") == "full":
                self.graph.append(body)
        elif url.path == "/api/train":
            self.train.append(json.loads(request.post_data or "{}"))
