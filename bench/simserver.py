"""The simulator in a process of its own, so the benchmark's CPU clock bills only the client.

`python -m bench.simserver` binds 127.0.0.1 on a free port, prints `port N`, and serves until
its standard input closes (the benchmark holds the other end) or it is terminated.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web

from simulator import SimulatorState, build_app


async def serve() -> None:
    """Serve until standard input reaches its end."""
    runner = web.AppRunner(build_app(SimulatorState()), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"port {port}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
