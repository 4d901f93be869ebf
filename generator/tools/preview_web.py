"""The preview's web application and server.

In: a `PreviewRequest` and the address to listen on. Out: a Starlette application with four
routes (the page, its JSON state, the page images of the current render, and a server-sent event
stream announcing each new render), served by uvicorn. Requests must name the loopback host
(TrustedHostMiddleware: a web page elsewhere cannot reach the preview by DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

from ..core.errors import InputError
from ..core.workspace import open_workspace
from .preview import Hub, PreviewRequest, watched_paths

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def make_app(request: PreviewRequest) -> Any:
    """The Starlette application of one preview; it renders at start (the page shows "rendering..."
    until then), then after every change."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
    from starlette.routing import Route


    hub = Hub(request)
    no_store = {"Cache-Control": "no-store"}

    async def index(_request: Request) -> Response:
        return HTMLResponse(PAGE, headers={**no_store, "Content-Security-Policy": CSP})

    async def state(_request: Request) -> Response:
        return JSONResponse(hub.current.state(), headers=no_store)

    async def page(req: Request) -> Response:
        current = hub.current
        number = req.path_params["number"]
        if req.path_params["version"] != current.version or not 0 <= number < len(current.pages):
            return Response(status_code=404)
        return Response(current.pages[number], media_type="image/png", headers=no_store)

    async def events(_request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            async for version in hub.versions():
                yield f"data: {version}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream", headers=no_store)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(hub.watch(watched_paths(open_workspace(request.workspace)))), asyncio.create_task(hub.rerender())]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()

    routes = [
        Route("/", index),
        Route("/state", state),
        Route("/page/{version:int}/{number:int}.png", page),
        Route("/events", events),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=[*LOOPBACK, "[::1]"])]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` (port 0: any free port); only loopback hosts."""
    if host not in LOOPBACK:
        raise InputError(f"the preview listens on loopback only, not {host!r}", "--host", hint="use 127.0.0.1 (the default) or ::1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # a browser opened at once waits for the server instead of being refused
    except OSError as exc:
        sock.close()
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror}", "--port", hint="choose another port, or 0 for any free one"
        ) from None
    return sock


def serve(request: PreviewRequest, sock: socket.socket) -> None:
    """Serve the preview on `sock` until interrupted (Ctrl-C)."""
    import uvicorn

    config = uvicorn.Config(make_app(request), log_level="warning", timeout_graceful_shutdown=1, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


CSP = "default-src 'none'; img-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>advocate preview</title>
<style>
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: #e8e8e8; display: flex; }
#pages { flex: 1; padding: 16px; }
.page { position: relative; max-width: 820px; margin: 0 auto 16px; background: #fff; box-shadow: 0 1px 4px #0004; }
.page img { display: block; width: 100%; height: 100%; }
.mark { position: absolute; cursor: pointer; }
.mark:hover, .mark.chosen { background: #ffd60044; outline: 1px solid #e0a800; }
.mark.missing { background: #ff000018; }
aside { width: 380px; height: 100vh; position: sticky; top: 0; overflow: auto; padding: 12px 16px;
        box-sizing: border-box; background: #fafafa; border-left: 1px solid #ccc; }
h2 { font-size: 13px; text-transform: uppercase; color: #555; margin: 16px 0 6px; }
.problem { margin: 0 0 8px; padding: 6px 8px; border-left: 3px solid #e0a800; background: #fff; }
.problem.error { border-color: #c00; }
.where { font-family: monospace; font-size: 12px; color: #333; word-break: break-all; }
.hint { color: #555; font-size: 12px; }
#message pre { white-space: pre-wrap; background: #fff; padding: 6px; margin: 2px 0 8px; }
#status { color: #555; font-size: 12px; }
</style></head>
<body data-version="-1">
<main id="pages"></main>
<aside>
  <div id="status">rendering...</div>
  <h2>Problems</h2><div id="problems"></div>
  <h2>Message</h2><div id="message"><p class="hint">Click a paragraph to see its message.</p></div>
</aside>
<script>
"use strict";
let state = null;
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
function showMessage(index) {
  const m = state.messages[index], box = document.getElementById("message");
  box.replaceChildren();
  if (!m) return;
  for (const [label, value] of [["msgctxt", m.context], ["msgid", m.msgid], ["msgstr", m.msgstr || "(untranslated: English is printed)"]]) {
    if (label === "msgctxt" && !value) continue;
    box.append(el("div", "hint", label), el("pre", "", value));
  }
  box.append(el("div", "where", m.where));
  document.querySelectorAll(".mark").forEach(n => n.classList.toggle("chosen", n.dataset.msg === String(index)));
}
function drawPages() {
  const main = document.getElementById("pages");
  while (main.children.length > state.pages.length) main.lastChild.remove();
  state.pages.forEach((p, i) => {
    let div = main.children[i];
    if (!div) { div = el("div", "page"); div.append(el("img")); main.append(div); }
    div.style.aspectRatio = p.width + " / " + p.height;
    div.querySelector("img").src = p.src;
    div.querySelectorAll(".mark").forEach(n => n.remove());
    for (const b of p.boxes) {
      const mark = el("div", "mark" + (state.messages[b.msg] && state.messages[b.msg].missing ? " missing" : ""));
      Object.assign(mark.style, {left: 100 * b.x / p.width + "%", top: 100 * b.y / p.height + "%",
                                 width: 100 * b.w / p.width + "%", height: 100 * b.h / p.height + "%"});
      mark.dataset.msg = b.msg;
      mark.addEventListener("click", () => showMessage(b.msg));
      div.append(mark);
    }
  });
}
function drawProblems() {
  const list = document.getElementById("problems");
  list.replaceChildren();
  for (const p of state.problems) {
    const item = el("div", "problem " + p.severity);
    item.append(el("div", "where", p.severity + (p.where ? ": " + p.where : "")), el("div", "", p.message));
    if (p.hint) item.append(el("div", "hint", "hint: " + p.hint));
    list.append(item);
  }
  if (!state.problems.length) list.append(el("p", "hint", "none"));
}
async function refresh() {
  const response = await fetch("/state", {cache: "no-store"});
  state = await response.json();
  const y = window.scrollY;
  drawPages();
  drawProblems();
  document.getElementById("status").textContent = "version " + state.version + ", rendered in " + state.seconds + " s";
  window.scrollTo(0, y);
  document.body.dataset.version = state.version;
}
new EventSource("/events").onmessage = refresh;
</script>
</body></html>
"""
