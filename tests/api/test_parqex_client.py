"""ParqexClient against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.parqex.api import (
    ApiError,
    AuthenticationError,
    InsecureUrlError,
    InvalidResponseError,
    NotFoundError,
    ParqexClient,
    RateLimitError,
    RequestRejectedError,
    ServiceUnavailableError,
)
from simulator.app import PARQEX_SYNC_PATH
from tests.conftest import Simulator

TOKEN = "simulated-parqex-access-token"


def client_for(simulator: Simulator, http: ClientSession, **kwargs: float) -> ParqexClient:
    return ParqexClient(http, TOKEN, base_url=simulator.url, **kwargs)


async def test_sends_exactly_the_documented_headers(
    simulator: Simulator, http: ClientSession
) -> None:
    await client_for(simulator, http).async_get_devices()

    (logged,) = simulator.state.requests
    assert logged.method == "GET"
    assert logged.path == PARQEX_SYNC_PATH
    assert {
        name: logged.headers[name]
        for name in ("Accept", "Accept-Encoding", "Accept-Charset", "Authorization", "Content-Type")
    } == {
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
        "Accept-Charset": "utf-8",
        "Authorization": "Bearer ***",
        "Content-Type": "application/json",
    }


async def test_parses_the_documented_example(simulator: Simulator, http: ClientSession) -> None:
    account = await client_for(simulator, http).async_get_devices()

    assert account.skipped == 0
    assert list(account.controllers) == [
        "9d9e5e0e093a06d5f16e1116d108d0c7",
        "35ff0e08ac8eb84ca097a894541ba049",
    ]
    first = account.controllers["9d9e5e0e093a06d5f16e1116d108d0c7"]
    assert first.blackbox_code == "20000c2a6908848d"
    assert first.registered is True
    assert first.last_contact == datetime(2020, 12, 18, 18, 47, 25, tzinfo=UTC)
    assert first.software_version == "0"
    assert first.number_of_entities_controlled == 3
    assert first.time_before_door_open_alert == 900
    assert first.bluetooth_mac_address is None
    assert [door.id for door in first.doors] == ["70fc7ebd63d841d9a9f06ff815be1e7c"]

    kitty = account.doors["70fc7ebd63d841d9a9f06ff815be1e7c"]
    assert kitty.name == "Kitty"
    assert kitty.is_open is True
    assert kitty.user_relationship == "Has Access"
    assert kitty.bluetooth_sensor is False
    assert kitty.bluetooth_sensor_battery_level is None
    assert first.doors == (kitty,)

    last = account.doors["a42308f43dbfaa8b1960a20ac4317b05"]
    assert last.name == "Last Door!"
    assert last.bluetooth_sensor is True
    assert last.bluetooth_sensor_battery_level == 98
    assert last.bluetooth_sensor_mac == "4011759015b7"
    assert last.auto_close_enabled is True
    assert last.auto_close_delay == 3600
    assert last.last_toggled == datetime(2020, 8, 21, 2, 33, 37, tzinfo=UTC)


async def test_client_decodes_a_gzip_answer(simulator: Simulator, http: ClientSession) -> None:
    account = await client_for(simulator, http).async_get_devices()

    assert simulator.state.requests[-1].encoding == "gzip"
    assert len(account.doors) == 2


async def test_wrong_token_is_an_authentication_error(
    simulator: Simulator, http: ClientSession
) -> None:
    client = ParqexClient(http, "not-the-token", base_url=simulator.url)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_get_devices()
    assert "not-the-token" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, "", AuthenticationError),
        (403, '{"message": "Forbidden"}', AuthenticationError),
        (400, '{"error": "Invalid Access Token"}', AuthenticationError),
        (200, '{"error": "Invalid Access Token"}', AuthenticationError),
        (404, "", NotFoundError),
        (418, "", RequestRejectedError),
        (500, "", ServiceUnavailableError),
        (502, "<html>Bad gateway</html>", ServiceUnavailableError),
        (503, "", ServiceUnavailableError),
        (200, '{"devices": "none"}', InvalidResponseError),
    ],
)
async def test_status_codes_map_to_errors(
    simulator: Simulator,
    http: ClientSession,
    status: int,
    body: str,
    error: type[ApiError],
) -> None:
    simulator.fault(service="parqex", status=status, body=body)
    with pytest.raises(error):
        await client_for(simulator, http).async_get_devices()


async def test_a_door_named_like_the_error_is_not_a_refusal(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.state.update_door(
        "70fc7ebd63d841d9a9f06ff815be1e7c", {"name": "Invalid Access Token"}
    )

    account = await client_for(simulator, http).async_get_devices()

    assert account.doors["70fc7ebd63d841d9a9f06ff815be1e7c"].name == "Invalid Access Token"


async def test_retry_after_in_seconds(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="parqex", status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimitError) as caught:
        await client_for(simulator, http).async_get_devices()
    assert caught.value.retry_after == 120


async def test_retry_after_as_a_date(simulator: Simulator, http: ClientSession) -> None:
    when = datetime.now(UTC) + timedelta(minutes=5)
    simulator.fault(
        service="parqex", status=429, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    with pytest.raises(RateLimitError) as caught:
        await client_for(simulator, http).async_get_devices()
    assert caught.value.retry_after is not None
    assert 280 <= caught.value.retry_after <= 300


async def test_rate_limit_without_retry_after(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="parqex", status=429)
    with pytest.raises(RateLimitError) as caught:
        await client_for(simulator, http).async_get_devices()
    assert caught.value.retry_after is None


async def test_hanging_request_times_out(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="parqex", mode="hang", delay=2)
    with pytest.raises(ServiceUnavailableError, match=r"did not answer within 0\.2 s"):
        await client_for(simulator, http, request_timeout=0.2).async_get_devices()


async def test_connection_refused(http: ClientSession, unused_tcp_port: int) -> None:
    client = ParqexClient(http, TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}")
    with pytest.raises(ServiceUnavailableError, match="Cannot reach ParqEx"):
        await client.async_get_devices()


async def test_dropped_connection(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="parqex", mode="disconnect")
    with pytest.raises(ServiceUnavailableError):
        await client_for(simulator, http).async_get_devices()


@pytest.mark.parametrize("mode", ["truncated", "not_json", "wrong_shape"])
async def test_malformed_bodies(simulator: Simulator, http: ClientSession, mode: str) -> None:
    simulator.fault(service="parqex", mode=mode)
    with pytest.raises(InvalidResponseError):
        await client_for(simulator, http).async_get_devices()


async def test_redirect_is_not_followed(simulator: Simulator, http: ClientSession) -> None:
    """The Authorization header must never reach a host a redirect points at."""
    seen: list[str | None] = []

    async def steal(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"devices": []})

    app = web.Application()
    app.router.add_get("/steal", steal)
    elsewhere = TestServer(app, host="127.0.0.1")
    await elsewhere.start_server()
    try:
        simulator.fault(
            service="parqex", mode="redirect", location=str(elsewhere.make_url("/steal"))
        )
        with pytest.raises(InvalidResponseError, match="redirect"):
            await client_for(simulator, http).async_get_devices()
    finally:
        await elsewhere.close()
    assert seen == []


@pytest.mark.parametrize(
    "url",
    [
        "http://api.parqex.com",
        "http://192.168.1.10:8080",
        "ftp://127.0.0.1",
        "https://user:pw@api.parqex.com",
        "not a url",
        "https://api.parqex.com?x=1",
    ],
)
def test_insecure_or_odd_urls_are_refused(http: ClientSession, url: str) -> None:
    with pytest.raises(InsecureUrlError):
        ParqexClient(http, TOKEN, base_url=url)


@pytest.mark.parametrize(
    "url",
    ["https://api.parqex.com/", "http://127.0.0.1:8300", "http://localhost", "http://[::1]:1"],
)
def test_secure_or_loopback_urls_are_accepted(http: ClientSession, url: str) -> None:
    assert ParqexClient(http, TOKEN, base_url=url).base_url == url.rstrip("/")


async def test_accounts_compare_by_value(simulator: Simulator, http: ClientSession) -> None:
    """The coordinator tells an unchanged answer by equality, so equality must mean it."""
    client = client_for(simulator, http)
    first = await client.async_get_devices()
    assert first.doors  # an index built on first use takes no part in equality
    again = await client.async_get_devices()
    assert again == first
    assert again is not first
    simulator.state.update_door("70fc7ebd63d841d9a9f06ff815be1e7c", {"state": "CLOSED"})
    changed = await client.async_get_devices()
    assert changed != first
    assert changed.doors["70fc7ebd63d841d9a9f06ff815be1e7c"].is_open is False


def test_repr_hides_the_token(http: ClientSession) -> None:
    client = ParqexClient(http, TOKEN)
    assert TOKEN not in repr(client)
    assert "api.parqex.com" in repr(client)
