"""ParqexClient against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import orjson
import pytest

from custom_components.parqex.api import (
    PARQEX_SCOPES,
    ApiError,
    AuthenticationError,
    DoorCommandError,
    InsecureUrlError,
    InvalidCredentialsError,
    InvalidResponseError,
    NotFoundError,
    ParqexClient,
    ParqexToken,
    RateLimitError,
    RequestRejectedError,
    ServiceUnavailableError,
    async_request_token,
    authorize_url,
)
from custom_components.parqex.api.errors import REDACTED
from simulator.app import PARQEX_SYNC_PATH
from simulator.seeds import (
    DEFAULT_PARQEX_CLIENT_ID,
    DEFAULT_PARQEX_CLIENT_SECRET,
    DEFAULT_PARQEX_REDIRECT_URIS,
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_PARQEX_USER,
    GUEST_PARQEX_USER,
    PARQEX_AUTHORIZE_PATH,
    PARQEX_TOGGLE_PATHS,
    PARQEX_TOKEN_PATH,
    PARQEX_USER_INFO_PATH,
    TOGGLE_FAILURES,
)
from tests.conftest import Simulator

TOKEN = DEFAULT_PARQEX_TOKEN
KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
PLURAL = PARQEX_TOGGLE_PATHS["plural"]
SINGULAR = PARQEX_TOGGLE_PATHS["singular"]
REDIRECT_URI = DEFAULT_PARQEX_REDIRECT_URIS[0]


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


# The signed-in user.


def _user_id(user: dict[str, str]) -> str:
    return user["id"]


async def test_user_info_of_the_static_token(simulator: Simulator, http: ClientSession) -> None:
    user = await client_for(simulator, http).async_get_user()

    assert user.id == DEFAULT_PARQEX_USER["id"]
    assert (user.first_name, user.last_name, user.name) == ("Pat", "Garage", "Pat Garage")
    (logged,) = simulator.state.requests
    assert (logged.method, logged.path, logged.status) == ("GET", PARQEX_USER_INFO_PATH, 200)
    assert logged.headers["Authorization"] == "Bearer ***"


@pytest.mark.parametrize("seeded", [DEFAULT_PARQEX_USER, GUEST_PARQEX_USER], ids=_user_id)
async def test_user_info_is_the_issued_tokens_user(
    simulator: Simulator, http: ClientSession, seeded: dict[str, str]
) -> None:
    issued = simulator.state.issue_tokens(seeded["id"])
    client = ParqexClient(http, issued["access_token"], base_url=simulator.url)

    user = await client.async_get_user()

    assert (user.id, user.first_name, user.last_name) == (
        seeded["id"],
        seeded["first_name"],
        seeded["last_name"],
    )
    assert user.name == f"{seeded['first_name']} {seeded['last_name']}"


async def test_user_info_with_a_refused_token(simulator: Simulator, http: ClientSession) -> None:
    issued = simulator.state.issue_tokens(GUEST_PARQEX_USER["id"])
    simulator.state.expire_access_tokens()
    client = ParqexClient(http, issued["access_token"], base_url=simulator.url)

    with pytest.raises(AuthenticationError) as caught:
        await client.async_get_user()
    assert issued["access_token"] not in str(caught.value)


@pytest.mark.parametrize("mode", ["not_json", "wrong_shape", "truncated"])
async def test_user_info_of_the_wrong_shape(
    simulator: Simulator, http: ClientSession, mode: str
) -> None:
    simulator.fault(service="parqex", path=PARQEX_USER_INFO_PATH, mode=mode)
    with pytest.raises(InvalidResponseError, match="ParqEx user-info"):
        await client_for(simulator, http).async_get_user()


# A token fetched before every request.


async def test_a_token_source_is_awaited_before_every_request(
    simulator: Simulator, http: ClientSession
) -> None:
    """Each request carries what the source returned for it: here, two users' tokens."""
    guest = simulator.state.issue_tokens(GUEST_PARQEX_USER["id"])["access_token"]
    handed_out: list[str] = []

    async def source() -> str:
        token = TOKEN if len(handed_out) % 2 == 0 else guest
        handed_out.append(token)
        return token

    client = ParqexClient(http, source, base_url=simulator.url)
    assert handed_out == []  # nothing is fetched before a request needs it

    first = await client.async_get_user()
    second = await client.async_get_user()
    account = await client.async_get_devices()
    await client.async_toggle(KITTY, open_door=False)

    assert handed_out == [TOKEN, guest, TOKEN, guest]
    assert (first.id, second.id) == (DEFAULT_PARQEX_USER["id"], GUEST_PARQEX_USER["id"])
    assert KITTY in account.doors
    assert [toggle.user_id for toggle in simulator.state.toggles] == [GUEST_PARQEX_USER["id"]]
    # Every request succeeded, and the log never kept the credential it carried.
    assert [logged.status for logged in simulator.state.requests] == [200] * 4
    for logged in simulator.state.requests:
        assert logged.headers["Authorization"] == "Bearer ***"
        assert TOKEN not in str(logged.as_json())
        assert guest not in str(logged.as_json())


async def test_a_token_source_that_fails_stops_the_request(
    simulator: Simulator, http: ClientSession
) -> None:
    refused = AuthenticationError("ParqEx refused the refresh token")

    async def source() -> str:
        raise refused

    client = ParqexClient(http, source, base_url=simulator.url)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_get_devices()
    assert caught.value is refused
    with pytest.raises(AuthenticationError):
        await client.async_toggle(KITTY, open_door=True)
    assert list(simulator.state.requests) == []
    assert simulator.state.toggles == []


async def test_a_token_source_unavailable_is_passed_on(
    simulator: Simulator, http: ClientSession
) -> None:
    async def source() -> str:
        raise ServiceUnavailableError("ParqEx's token endpoint failed")

    with pytest.raises(ServiceUnavailableError, match="token endpoint failed"):
        await ParqexClient(http, source, base_url=simulator.url).async_get_user()
    assert list(simulator.state.requests) == []


@pytest.mark.parametrize("handed_out", ["", "has space", "line\nbreak"])
async def test_an_unsendable_token_from_the_source_is_refused(
    simulator: Simulator, http: ClientSession, handed_out: str
) -> None:
    async def source() -> str:
        return handed_out

    with pytest.raises(InvalidCredentialsError):
        await ParqexClient(http, source, base_url=simulator.url).async_get_user()
    assert list(simulator.state.requests) == []


# Opening and closing doors.


def _paths(simulator: Simulator) -> list[str]:
    return [logged.path for logged in simulator.state.requests]


@pytest.mark.parametrize(("open_door", "door_state"), [(True, "OPEN"), (False, "CLOSED")])
async def test_toggle_accepted(
    simulator: Simulator, http: ClientSession, open_door: bool, door_state: str
) -> None:
    simulator.state.travel_time = 0
    client = client_for(simulator, http)

    await client.async_toggle(KITTY, open_door=open_door)

    (toggle,) = simulator.state.toggles
    assert (toggle.door_id, toggle.door_state, toggle.user_id) == (
        KITTY,
        door_state,
        DEFAULT_PARQEX_USER["id"],
    )
    (logged,) = simulator.state.requests
    assert (logged.method, logged.path, logged.status) == ("POST", PLURAL, 200)
    assert logged.headers["Content-Type"] == "application/json"
    assert logged.headers["Authorization"] == "Bearer ***"
    account = await client.async_get_devices()
    assert account.doors[KITTY].is_open is open_door


async def test_toggle_returns_before_the_door_moved(
    simulator: Simulator, http: ClientSession
) -> None:
    client = client_for(simulator, http)
    await client.async_toggle(KITTY, open_door=False)
    # Accepted, but the door takes `travel_time` to get there: /sync still says OPEN.
    assert simulator.state.toggles[0].done is False
    assert (await client.async_get_devices()).doors[KITTY].is_open is True


async def test_toggle_falls_back_to_the_singular_path_and_remembers_it(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.state.toggle_path = "singular"
    client = client_for(simulator, http)

    await client.async_toggle(KITTY, open_door=False)
    assert _paths(simulator) == [PLURAL, SINGULAR]
    assert [logged.status for logged in simulator.state.requests] == [404, 200]

    simulator.state.requests.clear()
    await client.async_toggle(KITTY, open_door=True)
    assert _paths(simulator) == [SINGULAR]
    assert [toggle.door_state for toggle in simulator.state.toggles] == ["CLOSED", "OPEN"]

    # Once remembered, a 404 on the singular path is the answer: the plural is not tried again.
    simulator.state.toggle_path = "plural"
    simulator.state.requests.clear()
    with pytest.raises(NotFoundError):
        await client.async_toggle(KITTY, open_door=False)
    assert _paths(simulator) == [SINGULAR]
    assert len(simulator.state.toggles) == 2


async def test_toggle_on_neither_path_is_not_found(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(service="parqex", path=PLURAL, status=404)
    simulator.fault(service="parqex", path=SINGULAR, status=404)
    client = client_for(simulator, http)

    with pytest.raises(NotFoundError):
        await client.async_toggle(KITTY, open_door=True)
    assert _paths(simulator) == [PLURAL, SINGULAR]
    assert simulator.state.toggles == []

    # Nothing was remembered: the next command starts with the plural path again.
    simulator.state.requests.clear()
    await client.async_toggle(KITTY, open_door=True)
    assert _paths(simulator) == [PLURAL]


async def test_toggle_with_a_wrong_token(simulator: Simulator, http: ClientSession) -> None:
    client = ParqexClient(http, "not-the-token", base_url=simulator.url)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_toggle(KITTY, open_door=True)
    assert "not-the-token" not in str(caught.value)
    assert simulator.state.toggles == []


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        ("428", "sensor_required"),
        ("400", "malformed"),
        ("501", "not_implemented"),
        ("not_found", "controller_offline"),
    ],
)
async def test_refused_toggles_name_the_reason(
    simulator: Simulator, http: ClientSession, failure: str, reason: str
) -> None:
    simulator.state.toggle_failure = failure
    with pytest.raises(DoorCommandError) as caught:
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)
    assert caught.value.reason == reason
    assert str(caught.value) == f"ParqEx refused the door command: {TOGGLE_FAILURES[failure]}"
    assert simulator.state.toggles == []


async def test_a_toggle_refused_for_authentication(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.state.toggle_failure = "401"
    with pytest.raises(AuthenticationError, match=r"\(401\)") as caught:
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)
    assert not isinstance(caught.value, DoorCommandError)
    assert simulator.state.toggles == []


async def test_a_toggle_of_an_unknown_door(simulator: Simulator, http: ClientSession) -> None:
    with pytest.raises(DoorCommandError) as caught:
        await client_for(simulator, http).async_toggle("no-such-door", open_door=True)
    assert caught.value.reason == "controller_offline"


def _toggle_answer(message: str | None) -> str:
    return orjson.dumps({"success": True, "timestamp": 1, "message": message}).decode()


@pytest.mark.parametrize(
    ("message", "reason", "shown"),
    [
        (
            f"Controller busy; token {TOKEN} (encoded {quote(TOKEN, safe='')}) was fine",
            "unknown",
            f"Controller busy; token {REDACTED} (encoded {REDACTED}) was fine",
        ),
        ("  (428) sensor needed\n", "sensor_required", "(428) sensor needed"),
    ],
)
async def test_an_unexpected_toggle_message(
    simulator: Simulator,
    http: ClientSession,
    message: str | None,
    reason: str,
    shown: str,
) -> None:
    simulator.fault(service="parqex", path=PLURAL, status=200, body=_toggle_answer(message))
    with pytest.raises(DoorCommandError) as caught:
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)
    assert caught.value.reason == reason
    assert str(caught.value) == f"ParqEx refused the door command: {shown}"
    assert TOKEN not in str(caught.value)


async def test_a_toggle_answer_without_a_message_is_unknown(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(service="parqex", path=PLURAL, status=200, body='{"success": true}')
    with pytest.raises(DoorCommandError) as caught:
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)
    assert caught.value.reason == "unknown"
    assert str(caught.value) == "ParqEx refused the door command without saying why"


async def test_a_401_toggle_message_is_scrubbed_too(
    simulator: Simulator, http: ClientSession
) -> None:
    async def source() -> str:
        return "pqx_at_callable-token"

    body = _toggle_answer("Authentication error for pqx_at_callable-token. (401)")
    simulator.fault(service="parqex", path=PLURAL, status=200, body=body)
    client = ParqexClient(http, source, base_url=simulator.url)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_toggle(KITTY, open_door=True)
    assert "pqx_at_callable-token" not in str(caught.value)
    assert REDACTED in str(caught.value)


@pytest.mark.parametrize(
    ("mode", "body"),
    [
        ("not_json", ""),
        ("wrong_shape", ""),
        ("truncated", ""),
        ("status", '{"success": true, "message": 200}'),
        ("status", '{"success": true, "message": ["200"]}'),
        ("status", '"200"'),
        ("status", ""),
    ],
)
async def test_a_toggle_answer_of_the_wrong_shape(
    simulator: Simulator, http: ClientSession, mode: str, body: str
) -> None:
    simulator.fault(service="parqex", path=PLURAL, mode=mode, status=200, body=body)
    with pytest.raises(InvalidResponseError, match="toggle answer is not the documented shape"):
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)


@pytest.mark.parametrize("key", ["message", "extra"])
async def test_a_deeply_nested_toggle_answer(
    simulator: Simulator, http: ClientSession, key: str
) -> None:
    depth = 1_000_000
    body = f'{{"{key}": ' + "[" * depth + "]" * depth + "}"
    simulator.fault(service="parqex", path=PLURAL, status=200, body=body)
    with pytest.raises(InvalidResponseError):
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, ServiceUnavailableError),
        (503, ServiceUnavailableError),
        (429, RateLimitError),
        (401, AuthenticationError),
        (400, RequestRejectedError),
    ],
)
async def test_toggle_status_codes_map_to_errors(
    simulator: Simulator, http: ClientSession, status: int, error: type[ApiError]
) -> None:
    simulator.fault(service="parqex", path=PLURAL, status=status)
    with pytest.raises(error):
        await client_for(simulator, http).async_toggle(KITTY, open_door=True)
    assert _paths(simulator) == [PLURAL]


# Signing in: the authorization page and the token endpoint.


def _authorize_query(**extra: str) -> dict[str, str]:
    return {
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": ",".join(PARQEX_SCOPES),
        "state": "flow-state-123",
        **extra,
    }


async def _sign_in(simulator: Simulator, http: ClientSession) -> str:
    """Approve the seeded client on the simulator's sign-in page; the code it sends back."""
    async with http.get(
        authorize_url(simulator.url),
        params=_authorize_query(approve="yes"),
        allow_redirects=False,
    ) as response:
        assert response.status == 302
        location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    returned = parse_qs(urlsplit(location).query)
    assert returned["state"] == ["flow-state-123"]
    (code,) = returned["code"]
    return code


def _code_grant(code: str, **changes: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "client_secret": DEFAULT_PARQEX_CLIENT_SECRET,
        "code": code,
        "redirect_uri": REDIRECT_URI,
        **changes,
    }


def _refresh_grant(refresh_token: str, **changes: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "client_secret": DEFAULT_PARQEX_CLIENT_SECRET,
        "refresh_token": refresh_token,
        **changes,
    }


def _assert_hidden(err: BaseException, *secrets: str) -> None:
    for secret in secrets:
        for form in {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)}:
            assert form not in str(err)
            assert form not in repr(err)


def test_authorize_url() -> None:
    assert authorize_url("https://api.parqex.com") == (
        "https://api.parqex.com" + PARQEX_AUTHORIZE_PATH
    )
    assert authorize_url("https://api.parqex.com/") == (
        "https://api.parqex.com" + PARQEX_AUTHORIZE_PATH
    )
    assert authorize_url("http://127.0.0.1:8300") == "http://127.0.0.1:8300" + PARQEX_AUTHORIZE_PATH


@pytest.mark.parametrize(
    "url", ["http://api.parqex.com", "ftp://127.0.0.1", "https://api.parqex.com?x=1", "nope"]
)
def test_authorize_url_refuses_insecure_urls(url: str) -> None:
    with pytest.raises(InsecureUrlError):
        authorize_url(url)


@pytest.mark.parametrize("seeded", [DEFAULT_PARQEX_USER, GUEST_PARQEX_USER], ids=_user_id)
async def test_code_exchange(
    simulator: Simulator, http: ClientSession, seeded: dict[str, str]
) -> None:
    simulator.state.authorizing_user = seeded["id"]
    simulator.state.token_lifetime = 1800
    code = await _sign_in(simulator, http)
    simulator.state.requests.clear()

    token = await async_request_token(http, simulator.url, _code_grant(code))

    assert isinstance(token, ParqexToken)
    assert token.access_token.startswith("pqx_at_")
    assert token.refresh_token is not None
    assert token.refresh_token.startswith("pqx_rt_")
    assert (token.expires_in, token.token_type) == (1800, "Bearer")
    assert token.scope == ",".join(PARQEX_SCOPES)
    assert token.access_token not in repr(token)
    assert token.refresh_token not in repr(token)
    # ParqEx documents a GET with everything in the query; the log masks the secrets.
    (logged,) = simulator.state.requests
    assert (logged.method, logged.path, logged.status) == ("GET", PARQEX_TOKEN_PATH, 200)
    assert logged.query == {
        "grant_type": "authorization_code",
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "client_secret": "***",
        "code": "***",
        "redirect_uri": REDIRECT_URI,
    }
    assert simulator.state.token_requests["authorization_code"] == 1
    # The token is the signed-in user's.
    user = await ParqexClient(http, token.access_token, base_url=simulator.url).async_get_user()
    assert user.id == seeded["id"]


async def test_a_code_is_spent_by_its_exchange(simulator: Simulator, http: ClientSession) -> None:
    code = await _sign_in(simulator, http)
    await async_request_token(http, simulator.url, _code_grant(code))

    with pytest.raises(RequestRejectedError, match="HTTP 400") as caught:
        await async_request_token(http, simulator.url, _code_grant(code))
    _assert_hidden(caught.value, code, DEFAULT_PARQEX_CLIENT_SECRET)


async def test_a_code_for_another_redirect_url_is_refused(
    simulator: Simulator, http: ClientSession
) -> None:
    code = await _sign_in(simulator, http)
    grant = _code_grant(code, redirect_uri=DEFAULT_PARQEX_REDIRECT_URIS[1])
    with pytest.raises(RequestRejectedError) as caught:
        await async_request_token(http, simulator.url, grant)
    _assert_hidden(caught.value, code, DEFAULT_PARQEX_CLIENT_SECRET)


async def test_refresh_rotates_the_refresh_token(simulator: Simulator, http: ClientSession) -> None:
    first = await async_request_token(
        http, simulator.url, _code_grant(await _sign_in(simulator, http))
    )
    assert first.refresh_token is not None

    second = await async_request_token(http, simulator.url, _refresh_grant(first.refresh_token))

    assert second.refresh_token is not None
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert simulator.state.token_requests["refresh_token"] == 1
    assert simulator.state.requests[-1].query["refresh_token"] == "***"
    user = await ParqexClient(http, second.access_token, base_url=simulator.url).async_get_user()
    assert user.id == DEFAULT_PARQEX_USER["id"]

    # The refresh token sent is spent: using it again is a refused grant (400 invalid_grant).
    with pytest.raises(RequestRejectedError, match="HTTP 400") as caught:
        await async_request_token(http, simulator.url, _refresh_grant(first.refresh_token))
    _assert_hidden(caught.value, first.refresh_token, DEFAULT_PARQEX_CLIENT_SECRET)
    # The new one still works.
    third = await async_request_token(http, simulator.url, _refresh_grant(second.refresh_token))
    assert third.access_token


async def test_a_wrong_client_secret_is_an_authentication_error(
    simulator: Simulator, http: ClientSession
) -> None:
    code = await _sign_in(simulator, http)
    wrong = "wrong/secret+with=odd&chars"
    with pytest.raises(AuthenticationError, match="HTTP 401") as caught:
        await async_request_token(http, simulator.url, _code_grant(code, client_secret=wrong))
    _assert_hidden(caught.value, code, wrong)

    refresh = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])["refresh_token"]
    with pytest.raises(AuthenticationError) as caught:
        await async_request_token(http, simulator.url, _refresh_grant(refresh, client_secret=wrong))
    _assert_hidden(caught.value, refresh, wrong)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_failing_token_endpoint_is_unavailable(
    simulator: Simulator, http: ClientSession, status: int
) -> None:
    simulator.fault(service="parqex", path=PARQEX_TOKEN_PATH, status=status)
    refresh = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])["refresh_token"]
    with pytest.raises(ServiceUnavailableError, match=f"HTTP {status}") as caught:
        await async_request_token(http, simulator.url, _refresh_grant(refresh))
    _assert_hidden(caught.value, refresh, DEFAULT_PARQEX_CLIENT_SECRET)


async def test_an_unreachable_or_slow_token_endpoint_is_unavailable(
    simulator: Simulator, http: ClientSession, unused_tcp_port: int
) -> None:
    refresh = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])["refresh_token"]
    with pytest.raises(ServiceUnavailableError, match="Cannot reach ParqEx") as caught:
        await async_request_token(
            http, f"http://127.0.0.1:{unused_tcp_port}", _refresh_grant(refresh)
        )
    _assert_hidden(caught.value, refresh, DEFAULT_PARQEX_CLIENT_SECRET)

    simulator.fault(service="parqex", path=PARQEX_TOKEN_PATH, mode="hang", delay=2)
    with pytest.raises(ServiceUnavailableError, match=r"within 0\.2 s") as caught:
        await async_request_token(http, simulator.url, _refresh_grant(refresh), timeout=0.2)
    _assert_hidden(caught.value, refresh, DEFAULT_PARQEX_CLIENT_SECRET)


async def test_secrets_echoed_by_the_token_endpoint_are_scrubbed(
    simulator: Simulator, http: ClientSession
) -> None:
    secret = "s3cr3t/with+odd=chars&x"
    simulator.state.add_oauth_client(
        {"client_id": "odd-client", "client_secret": secret, "redirect_uris": [REDIRECT_URI]}
    )
    code = await _sign_in(simulator, http)
    refresh = "pqx_rt_spent/refresh+token"
    echoed = " ".join(
        form
        for value in (secret, code, refresh)
        for form in (value, quote(value, safe=""), quote_plus(value))
    )
    for status in (400, 401, 429, 500):
        simulator.fault(
            service="parqex",
            path=PARQEX_TOKEN_PATH,
            status=status,
            body=f'{{"error": {{"type": "invalid_grant", "message": "refused {echoed}"}}}}',
            headers={"seam-request-id": f"req {secret} {quote(secret, safe='')}"},
        )
        grant = _code_grant(code, client_id="odd-client", client_secret=secret)
        grant["refresh_token"] = refresh
        with pytest.raises(ApiError) as caught:
            await async_request_token(http, simulator.url, grant)
        _assert_hidden(caught.value, secret, code, refresh)
        assert REDACTED in str(caught.value)


@pytest.mark.parametrize(
    ("mode", "body"),
    [
        ("not_json", ""),
        ("wrong_shape", ""),
        ("status", '{"access_token": "pqx_at_x", "expires_in": -5}'),
        ("status", '{"error": "invalid_grant"}'),
    ],
)
async def test_a_token_answer_of_the_wrong_shape(
    simulator: Simulator, http: ClientSession, mode: str, body: str
) -> None:
    simulator.fault(service="parqex", path=PARQEX_TOKEN_PATH, mode=mode, status=200, body=body)
    refresh = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])["refresh_token"]
    with pytest.raises(InvalidResponseError, match="ParqEx token answer") as caught:
        await async_request_token(http, simulator.url, _refresh_grant(refresh))
    assert "pqx_at_x" not in str(caught.value)


async def test_a_redirected_token_request_is_not_followed(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(
        service="parqex", path=PARQEX_TOKEN_PATH, mode="redirect", location="https://elsewhere/"
    )
    refresh = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])["refresh_token"]
    with pytest.raises(InvalidResponseError, match="redirect") as caught:
        await async_request_token(http, simulator.url, _refresh_grant(refresh))
    _assert_hidden(caught.value, refresh, DEFAULT_PARQEX_CLIENT_SECRET)


@pytest.mark.parametrize("url", ["http://api.parqex.com", "https://api.parqex.com?x=1"])
async def test_a_token_request_to_an_insecure_url_is_refused(http: ClientSession, url: str) -> None:
    """The client secret never travels in the clear: nothing is sent."""
    with pytest.raises(InsecureUrlError):
        await async_request_token(http, url, _refresh_grant("pqx_rt_x"))


async def test_a_grant_the_endpoint_does_not_know(
    simulator: Simulator, http: ClientSession
) -> None:
    with pytest.raises(RequestRejectedError):
        await async_request_token(
            http,
            simulator.url,
            {
                "grant_type": "password",
                "client_id": DEFAULT_PARQEX_CLIENT_ID,
                "client_secret": DEFAULT_PARQEX_CLIENT_SECRET,
            },
        )


async def test_sign_in_page_without_approval(simulator: Simulator, http: ClientSession) -> None:
    """Without `approve=yes` the simulator shows a page: nothing to exchange yet."""
    async with http.get(
        authorize_url(simulator.url), params=_authorize_query(), allow_redirects=False
    ) as response:
        assert response.status == 200
        assert "Approve" in await response.text()
    assert simulator.state.oauth_codes == {}


@pytest.mark.parametrize("path", [PARQEX_USER_INFO_PATH, PLURAL], ids=["user_info", "toggle"])
async def test_a_200_saying_invalid_access_token_is_a_refusal(
    simulator: Simulator, http: ClientSession, path: str
) -> None:
    """ParqEx's documented refusal, answered with a 200, on every endpoint."""
    simulator.fault(
        service="parqex", path=path, status=200, body='{"error": "Invalid Access Token"}'
    )
    client = client_for(simulator, http)
    call = client.async_toggle(KITTY, open_door=True) if path == PLURAL else client.async_get_user()
    with pytest.raises(AuthenticationError):
        await call
