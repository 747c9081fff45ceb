"""`python -m simulator`: serve both simulated services on a loopback address.

ParqEx: `/oauth/v1/endpoints/sync`, `/oauth/v1/endpoints/user-info`,
`/oauth/v1/endpoints/toggle` and `/oauth/v1/endpoints/toggle-history` take the static token
(--parqex-token) or one issued by OAuth 2.0: sign in at `/oauth/v2/endpoints/authorization/`
as client "parqex-dev-client" (secret "parqex-dev-secret", redirect URL e.g.
http://127.0.0.1:8123/auth/external/callback), exchange the code at
`/oauth/v2/endpoints/token/`. Seam: its device, lock (auto-lock too), access code
(managed and unmanaged), thermostat, noise threshold, action attempt and webhook routes, and the
sandbox's thermostat and noise simulations. `/_simulator/...` is the control API (see
simulator/app.py): doors (also operated from the app or by the wall button), devices, codes
typed on keypads, faults, the request log, token lifetime, door travel time, toggle failures,
how commands end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from aiohttp import web

from .app import build_app
from .scenario import run_scenario
from .seeds import (
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_TOKEN_LIFETIME,
    DEFAULT_TRAVEL_TIME,
    DEFAULT_USER_IDENTITY_ID,
)
from .state import SimulatorState
from .webhooks import is_loopback_host


def _loopback(host: str) -> str:
    if not is_loopback_host(host):
        raise argparse.ArgumentTypeError("the simulator only binds to a loopback address")
    return host


def _seconds(value: str) -> float:
    seconds = float(value)
    if not seconds >= 0:
        raise argparse.ArgumentTypeError("seconds must be 0 or more")
    return seconds


def _whole_seconds(value: str) -> int:
    seconds = int(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError("seconds must be 0 or more")
    return seconds


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The module's docstring as written, and every option's default after its help."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if action.default is None or action.default is argparse.SUPPRESS:
            return help_text
        return f"{help_text} (default: {action.default})"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=__doc__,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument(
        "--host", type=_loopback, default="127.0.0.1", help="address to listen on (loopback only)"
    )
    parser.add_argument("--port", type=int, default=8300, help="port of both services")
    parser.add_argument(
        "--parqex-token",
        default=DEFAULT_PARQEX_TOKEN,
        help="a ParqEx access token that never expires, for entries added without OAuth",
    )
    parser.add_argument(
        "--seam-api-key", default=DEFAULT_SEAM_API_KEY, help="the Seam API key Seam accepts"
    )
    parser.add_argument(
        "--user-identity-id",
        default=DEFAULT_USER_IDENTITY_ID,
        help="the Seam user identity the seeded devices are shared with",
    )
    parser.add_argument(
        "--controllers",
        type=int,
        help="generate this many ParqEx controllers instead of the seeded ones",
    )
    parser.add_argument("--doors", type=int, default=3, help="doors per generated controller")
    parser.add_argument(
        "--devices", type=int, help="generate this many Seam devices instead of the seeded ones"
    )
    parser.add_argument(
        "--scenario",
        type=float,
        metavar="SECONDS",
        help="change a door, lock, room or noise level every SECONDS",
    )
    parser.add_argument(
        "--action-delay",
        type=float,
        default=1.0,
        help="seconds a lock or thermostat command takes",
    )
    parser.add_argument(
        "--token-lifetime",
        type=_whole_seconds,
        default=DEFAULT_TOKEN_LIFETIME,
        help="seconds a ParqEx access token issued by OAuth lasts",
    )
    parser.add_argument(
        "--travel-time",
        type=_seconds,
        default=DEFAULT_TRAVEL_TIME,
        help="seconds a ParqEx door takes to open or close after a toggle",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until cancelled."""
    state = SimulatorState(
        parqex_token=args.parqex_token,
        seam_api_key=args.seam_api_key,
        user_identity_id=args.user_identity_id,
    )
    if args.controllers is not None or args.devices is not None:
        state.generate(
            controllers=args.controllers or 0,
            doors_per_controller=args.doors,
            devices=args.devices or 0,
        )
    state.action_settings.delay = args.action_delay
    state.set_parqex_settings(
        {"token_lifetime": args.token_lifetime, "travel_time": args.travel_time}
    )
    runner = web.AppRunner(build_app(state), access_log=None, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    print(f"simulator: serving ParqEx and Seam on http://{args.host}:{args.port}", flush=True)
    try:
        if args.scenario:
            await run_scenario(state, args.scenario)
        else:
            await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
