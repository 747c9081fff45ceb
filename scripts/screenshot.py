"""Capture a Home Assistant dashboard through a running headless Chromium's DevTools protocol.

scripts/screenshot starts scripts/develop and Chromium (--remote-debugging-port) and runs this
with the port Chromium chose; this opens the page (the browser logs in by itself: the trusted
network, one user), waits until the view's cards have rendered and stopped changing, sizes the
window to the cards, and writes the PNG to its standard output (scripts/python may run it in a
Debian root whose /tmp is not the caller's). Only aiohttp, which the environment has already.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import math
import sys
import time
from typing import Any

import aiohttp

# Evaluated in the page: where the frontend is, whether it is connected with the integration's
# entities, and the rendered cards of the view on show. Cards live in nested shadow roots.
PROBE = """
(() => {
  const all = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const hass = document.querySelector("home-assistant")?.hass;
  const entities = hass?.entities ? Object.values(hass.entities) : [];
  const views = all.filter((el) => el.localName === "hui-view");
  // hui-card wraps each card; a wrapper that holds no element yet has not built its card.
  const cards = all.filter((el) => el.localName === "hui-card" && visible(el));
  const built = cards.filter((el) => el.firstElementChild !== null);
  const loading = all.filter(
    (el) =>
      ["ha-spinner", "ha-circular-progress", "hass-loading-screen"].includes(el.localName) &&
      visible(el)
  );
  const errors = all.filter(
    (el) => ["hui-error-card", "hui-warning"].includes(el.localName) && visible(el)
  );
  const bottom = Math.max(0, ...cards.map((el) => el.getBoundingClientRect().bottom));
  return {
    path: location.pathname,
    connected: Boolean(hass?.connected),
    parqex: entities.filter((entity) => entity.platform === "parqex").length,
    views: views.length,
    cards: cards.length,
    built: built.length,
    loading: loading.map((el) => el.localName),
    errors: errors.map((el) => el.innerText || el.localName),
    fonts: document.fonts.status,
    bottom: bottom + window.scrollY,
    signature: JSON.stringify(cards.map((el) => {
      const box = el.getBoundingClientRect();
      return [el.firstElementChild?.localName, Math.round(box.x), Math.round(box.y),
              Math.round(box.width), Math.round(box.height)];
    })),
  };
})()
"""


class Failure(Exception):
    """Something the user must be told; the message says what."""


class DevTools:
    """The least of a Chrome DevTools protocol client: one page, commands and their answers."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.ws.send_json({"id": number, "method": method, "params": params})
        while True:
            message = await self.ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise Failure(f"Chromium closed the DevTools connection ({message.type.name})")
            answer = json.loads(message.data)
            if answer.get("id") != number:
                continue  # an event, none of which are enabled, or a late answer
            if "error" in answer:
                raise Failure(f"Chromium refused {method}: {answer['error']}")
            result: dict[str, Any] = answer["result"]
            return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise Failure(f"the page's script failed: {result['exceptionDetails']}")
        return result["result"].get("value")


def say(message: str) -> None:
    print(f"scripts/screenshot: {message}", file=sys.stderr, flush=True)


async def page_socket(session: aiohttp.ClientSession, port: int) -> str:
    """The DevTools websocket of Chromium's first page (about:blank, opened at its start)."""
    targets: list[dict[str, Any]] = []
    for _ in range(20):
        async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json(content_type=None)
        for target in targets:
            if target.get("type") == "page":
                url: str = target["webSocketDebuggerUrl"]
                return url
        await asyncio.sleep(0.25)
    raise Failure(f"Chromium has no page to drive: {targets}")


async def wait_rendered(page: DevTools, steady: float) -> dict[str, Any]:
    """Poll until the view's cards are built, nothing is loading, and the layout holds still."""
    last_signature = None
    steady_since = 0.0
    while True:
        try:
            state = await page.evaluate(PROBE)
        except Failure:
            # Between two pages of the login's redirects there is no document to ask.
            state = None
        ready = bool(state) and (
            state["connected"]
            and state["parqex"] > 0
            and state["views"] > 0
            and state["cards"] > 0
            and state["built"] == state["cards"]
            and not state["loading"]
            and state["fonts"] == "loaded"
        )
        now = time.monotonic()
        if not ready or state["signature"] != last_signature:
            last_signature = state["signature"] if ready else None
            steady_since = now
        elif now - steady_since >= steady:
            result: dict[str, Any] = state
            return result
        await asyncio.sleep(0.25)


async def rendered(page: DevTools, args: argparse.Namespace, deadline: float) -> dict[str, Any]:
    """wait_rendered by the deadline (time.monotonic), or a Failure that says what was seen."""
    try:
        return await asyncio.wait_for(
            wait_rendered(page, args.steady), max(0.0, deadline - time.monotonic())
        )
    except TimeoutError:
        pass
    state = await page.evaluate(PROBE)
    del state["signature"]
    if state["path"].startswith("/auth/"):
        hint = "still on the login page: is 127.0.0.1 a trusted network?"
    elif not state["connected"]:
        hint = "the frontend is not connected to Home Assistant"
    elif not state["parqex"]:
        hint = "the frontend knows no ParqEx entity"
    elif not state["views"]:
        hint = f"no dashboard view at {state['path']}"
    else:
        hint = "the cards did not finish loading or kept moving"
    raise Failure(
        f"the dashboard did not finish rendering within {args.timeout:.0f} s ({hint});"
        f" last seen: {state}"
    )


async def capture(args: argparse.Namespace) -> None:
    deadline = time.monotonic() + args.timeout
    async with aiohttp.ClientSession() as session:
        socket = await page_socket(session, args.devtools_port)
        async with session.ws_connect(socket, max_msg_size=0) as ws:
            page = DevTools(ws)
            metrics = {"width": args.width, "deviceScaleFactor": 1, "mobile": False}
            await page.call("Emulation.setDeviceMetricsOverride", height=args.min_height, **metrics)
            # The light theme whatever the machine prefers, and no scroll bars in the picture.
            await page.call(
                "Emulation.setEmulatedMedia",
                features=[{"name": "prefers-color-scheme", "value": "light"}],
            )
            await page.call("Emulation.setScrollbarsHidden", hidden=True)
            await page.call("Page.navigate", url=args.url)
            say(f"opened {args.url}; waiting for the dashboard's cards")
            state = await rendered(page, args, deadline)
            say(
                f"{state['path']} shows {state['cards']} cards"
                f" ({state['parqex']} ParqEx and Seam entities known to the frontend)"
            )
            # Let a moment of the simulator's activity land (the frontend animates changes),
            # then size the window to the cards as they are now, and let the layout follow.
            await asyncio.sleep(args.settle)
            state = await rendered(page, args, deadline)
            height = max(args.min_height, math.ceil(state["bottom"]) + args.margin)
            if height > args.max_height:
                say(f"the cards need {height} px; cutting at {args.max_height}")
                height = args.max_height
            await page.call("Emulation.setDeviceMetricsOverride", height=height, **metrics)
            state = await rendered(page, args, deadline)
            if state["errors"]:
                say(f"warning: the dashboard shows errors: {state['errors']}")
            shot = await page.call("Page.captureScreenshot", format="png")
            sys.stdout.buffer.write(base64.b64decode(shot["data"]))
            sys.stdout.buffer.flush()
            say(f"captured {args.width}x{height} px")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devtools-port", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--min-height", type=int, default=720)
    parser.add_argument("--max-height", type=int, default=2400)
    parser.add_argument("--margin", type=int, default=24, help="below the lowest card, in px")
    parser.add_argument("--timeout", type=float, default=60, help="to render, in seconds")
    parser.add_argument("--steady", type=float, default=2, help="layout unchanged for, in s")
    parser.add_argument("--settle", type=float, default=3, help="extra wait once rendered, s")
    args = parser.parse_args()
    try:
        asyncio.run(capture(args))
    except (Failure, aiohttp.ClientError, OSError) as err:
        say(str(err))
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
