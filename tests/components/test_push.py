"""Push updates from Seam webhooks, end to end on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
import copy
import logging
import time
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.cloud import CloudNotAvailable
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.api import EVENT_TYPES
from custom_components.parqex.const import (
    CONF_CLOUDHOOK,
    CONF_PUSH,
    CONF_SCAN_INTERVAL,
    CONF_SEAM_WEBHOOK_EVENT_TYPES,
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    RECONCILE_COOLDOWN,
)
from simulator.webhooks import svix_headers
from tests.components.conftest import HOOK_ID, SECRET, deliver, push_options
from tests.conftest import Simulator, find_entity, has_device, poll, setup

FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"


async def until(check: Callable[[], bool], what: str) -> None:
    """Wait for a delivery from the simulator to land (at most 3 s)."""
    for _ in range(300):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def front_lock(hass: HomeAssistant) -> str:
    """The front door lock's entity id, as Home Assistant named it."""
    return find_entity(hass, "lock", FRONT_ID, "lock")


def front_activity(hass: HomeAssistant) -> str:
    """The entity id of the front door lock's activity events."""
    return find_entity(hass, "event", FRONT_ID, "activity")


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


async def test_valid_delivery_updates_state_in_the_same_turn(
    hass: HomeAssistant, manual: MockConfigEntry, web: TestClient
) -> None:
    lock = front_lock(hass)
    assert state(hass, lock) == "locked"
    status = await deliver(
        web,
        {
            "event_type": "lock.unlocked",
            "device_id": FRONT_ID,
            "method": "keycode",
            "access_code_id": "code-7",
        },
    )
    assert status == 200
    # No waiting: the state was written while the delivery was handled.
    assert state(hass, lock) == "unlocked"
    # The code is new to the integration: its name is looked up before the activity is told.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(lock).attributes["changed_by"] == "keycode"
    activity = hass.states.get(front_activity(hass))
    assert activity.attributes["event_type"] == "unlocked"
    assert activity.attributes["method"] == "keycode"
    assert activity.attributes["access_code_id"] == "code-7"


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"headers": {"svix-signature": "v1,Zm9yZ2Vk"}}, 401),
        ({"secret": "whsec_" + base64.b64encode(b"not the right secret").decode()}, 401),
        ({"timestamp": int(time.time()) - 3600}, 401),
        ({"headers": {"svix-id": ""}}, 401),
        ({"body": b"x" * (64 * 1024 + 1)}, 413),
        ({"body": b"{not json"}, 400),
        ({"body": b'{"device_id": "no type"}'}, 400),
    ],
    ids=["forged", "wrong_secret", "stale", "no_id", "oversize", "not_json", "not_event"],
)
async def test_bad_deliveries_change_nothing(
    hass: HomeAssistant,
    manual: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    coordinator = manual.runtime_data
    assert await deliver(web, {"event_type": "lock.locked", "device_id": FRONT_ID}) == 200
    assert coordinator.update_interval.total_seconds() == 600
    event = {"event_type": "lock.unlocked", "device_id": FRONT_ID}
    assert await deliver(web, event, message_id="msg_2", **kwargs) == status
    await hass.async_block_till_done()
    assert state(hass, front_lock(hass)) == "locked"
    assert hass.states.get(front_activity(hass)).state != "unknown"
    assert hass.states.get(front_activity(hass)).attributes["event_type"] == "locked"
    assert SECRET not in caplog.text
    assert SECRET.removeprefix("whsec_") not in caplog.text
    # Anyone may post to the URL: one bad request switches nothing back and raises nothing.
    assert coordinator.push_active
    assert coordinator.update_interval.total_seconds() == 600
    assert issue_registry.async_get_issue(DOMAIN, f"{manual.entry_id}_push_rejected") is None


async def test_deliveries_that_keep_failing_raise_a_repair(
    hass: HomeAssistant,
    manual: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A wrong secret: every delivery fails for ten minutes and none is verified."""
    wrong = "whsec_" + base64.b64encode(b"a secret that was rotated").decode()
    event = {"event_type": "lock.unlocked", "device_id": FRONT_ID}
    issue_id = f"{manual.entry_id}_push_rejected"
    clock = [1000.0]
    with patch("custom_components.parqex.push.time.monotonic", side_effect=lambda: clock[0]):
        for n, seconds in enumerate((0.0, 5.0, 300.0)):
            clock[0] += seconds
            assert await deliver(web, event, secret=wrong, message_id=f"m{n}") == 401
        # Three rejections, but within five minutes: retries of one delivery, or noise.
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
        clock[0] += 300.0
        assert await deliver(web, event, secret=wrong, message_id="m3") == 401
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
        # A genuine delivery clears it, and the count starts again.
        assert await deliver(web, event, message_id="m4") == 200
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
        clock[0] += 3600.0
        assert await deliver(web, event, secret=wrong, message_id="m5") == 401
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_delivery_arriving_in_pieces_is_verified_whole(
    hass: HomeAssistant, manual: MockConfigEntry, web: TestClient
) -> None:
    payload = orjson.dumps(
        {"event_type": "lock.unlocked", "device_id": FRONT_ID, "method": "manual"}
    )
    headers = svix_headers(SECRET, payload, message_id="pieces", timestamp=int(time.time()))

    async def pieces() -> AsyncIterator[bytes]:
        yield payload[:20]
        # The rest arrives in a later TCP segment.
        await asyncio.sleep(0.05)
        yield payload[20:]

    response = await web.post(f"/api/webhook/{HOOK_ID}", data=pieces(), headers=headers)
    assert response.status == 200
    assert state(hass, front_lock(hass)) == "unlocked"


async def test_oversized_delivery_in_pieces_is_refused(
    hass: HomeAssistant, manual: MockConfigEntry, web: TestClient
) -> None:
    async def endless() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    response = await web.post(f"/api/webhook/{HOOK_ID}", data=endless())
    assert response.status == 413
    assert state(hass, front_lock(hass)) == "locked"


async def test_replayed_delivery_is_ignored(
    hass: HomeAssistant, manual: MockConfigEntry, web: TestClient
) -> None:
    lock = front_lock(hass)
    assert await deliver(web, {"event_type": "lock.unlocked", "device_id": FRONT_ID}) == 200
    assert state(hass, lock) == "unlocked"
    # The same svix-id again, this time saying "locked": a replay, acknowledged and ignored.
    assert await deliver(web, {"event_type": "lock.locked", "device_id": FRONT_ID}) == 200
    await hass.async_block_till_done()
    assert state(hass, lock) == "unlocked"
    assert (
        await deliver(web, {"event_type": "lock.locked", "device_id": FRONT_ID}, message_id="msg_2")
        == 200
    )
    assert state(hass, lock) == "locked"


async def test_device_events(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    manual: MockConfigEntry,
    web: TestClient,
) -> None:
    lock = front_lock(hass)
    connection = find_entity(hass, "binary_sensor", FRONT_ID, "online")
    battery = find_entity(hass, "sensor", FRONT_ID, "battery")

    async def send(event_type: str, n: int, **fields: Any) -> None:
        event = {"event_type": event_type, "device_id": FRONT_ID, **fields}
        assert await deliver(web, event, message_id=f"msg_{n}") == 200

    await send("device.disconnected", 1)
    assert state(hass, lock) == STATE_UNAVAILABLE
    assert state(hass, connection) == "off"
    await send("device.connected", 2)
    assert state(hass, lock) == "locked"
    assert state(hass, connection) == "on"
    await send("device.low_battery", 3, battery_level=0.07)
    assert state(hass, battery) == "7"
    await send("device.battery_status_changed", 4, battery_status="low")
    assert state(hass, battery) == "7"

    polls = simulator.requests_to("seam")
    await send("device.tampered", 5)
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert simulator.requests_to("seam") == polls + 1

    await send("device.removed", 6)
    await hass.async_block_till_done()
    assert not has_device(hass, manual, FRONT_ID)
    assert hass.states.get(lock) is None


async def test_polling_slows_while_deliveries_arrive(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    manual: MockConfigEntry,
    web: TestClient,
) -> None:
    coordinator = manual.runtime_data
    assert coordinator.update_interval.total_seconds() == 60
    assert await deliver(web, {"event_type": "lock.unlocked", "device_id": FRONT_ID}) == 200
    assert coordinator.update_interval.total_seconds() == 600

    assert (
        await deliver(web, {"event_type": "lock.locked", "device_id": FRONT_ID}, message_id="m2")
        == 200
    )
    assert coordinator.update_interval.total_seconds() == 600
    # Half an hour without deliveries: polling returns to normal, with a poll straight away.
    await poll(hass, freezer, 30 * 60)
    assert coordinator.update_interval.total_seconds() == 60
    assert coordinator.push_active is False


async def test_command_and_its_webhook_fire_one_activity(
    hass: HomeAssistant, simulator: Simulator, manual: MockConfigEntry, web: TestClient
) -> None:
    simulator.state.action_settings.delay = 0
    events: list[dict[str, Any]] = []
    activity = front_activity(hass)

    @callback
    def fired(event: Event) -> None:
        if event.data["entity_id"] == activity:
            events.append(dict(event.data["new_state"].attributes))

    hass.bus.async_listen("state_changed", fired)
    await hass.services.async_call("lock", "unlock", {"entity_id": front_lock(hass)}, blocking=True)
    assert (
        await deliver(
            web, {"event_type": "lock.unlocked", "device_id": FRONT_ID, "method": "remote"}
        )
        == 200
    )
    # Seam's older documents call the same method `seamapi`.
    assert (
        await deliver(
            web,
            {"event_type": "lock.unlocked", "device_id": FRONT_ID, "method": "seamapi"},
            message_id="msg_2",
        )
        == 200
    )
    await hass.async_block_till_done()
    assert [(e["event_type"], e["method"]) for e in events] == [("unlocked", "remote")]


async def test_automatic_registration_and_removal(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry, web: TestClient
) -> None:
    """With an external URL, the integration registers its webhook with Seam by itself."""
    hass.config.external_url = str(web.make_url("")).rstrip("/")
    push_options(seam_entry, hass)
    await setup(hass, seam_entry)

    (hook,) = simulator.state.hub.webhooks.values()
    assert hook.url == f"{hass.config.external_url}/api/webhook/{HOOK_ID}"
    assert "lock.unlocked" in hook.event_types
    # What the integration manages is kept in the entry's data; options hold only choices.
    assert seam_entry.data[CONF_SEAM_WEBHOOK_ID] == hook.webhook_id
    assert seam_entry.data[CONF_SEAM_WEBHOOK_SECRET] == hook.secret
    assert seam_entry.data[CONF_CLOUDHOOK] is False
    assert dict(seam_entry.options) == {CONF_PUSH: True}

    # A change at Seam arrives signed, through the real webhook, before any poll.
    simulator.state.update_device(
        BACK_ID,
        {"properties": {"locked": True}, "event": {"method": "keycode", "access_code_id": "c9"}},
    )
    back_lock = find_entity(hass, "lock", BACK_ID, "lock")
    await until(lambda: state(hass, back_lock) == "locked", "the lock.locked delivery")
    back_activity = find_entity(hass, "event", BACK_ID, "activity")
    await until(
        lambda: hass.states.get(back_activity).attributes.get("access_code_id") == "c9",
        "the activity, once the unknown code was looked up",
    )
    # Home Assistant may apply the event before the simulator has read its answer.
    await until(lambda: bool(simulator.state.hub.deliveries), "the delivery's answer")
    assert [d.status for d in simulator.state.hub.deliveries] == [200]

    # A restart reuses the registration.
    assert await hass.config_entries.async_reload(seam_entry.entry_id)
    await hass.async_block_till_done()
    assert list(simulator.state.hub.webhooks) == [hook.webhook_id]

    assert await hass.config_entries.async_remove(seam_entry.entry_id)
    await hass.async_block_till_done()
    assert simulator.state.hub.webhooks == {}


async def test_webhook_made_for_fewer_events_is_made_again(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry, web: TestClient
) -> None:
    """A webhook registered by an earlier version hears no thermostat events: it is replaced."""
    hass.config.external_url = str(web.make_url("")).rstrip("/")
    push_options(seam_entry, hass)
    await setup(hass, seam_entry)
    (old,) = simulator.state.hub.webhooks.values()
    data = dict(seam_entry.data)
    del data[CONF_SEAM_WEBHOOK_EVENT_TYPES]
    hass.config_entries.async_update_entry(seam_entry, data=data)

    assert await hass.config_entries.async_reload(seam_entry.entry_id)
    await hass.async_block_till_done()

    (new,) = simulator.state.hub.webhooks.values()
    assert new.webhook_id != old.webhook_id
    assert "thermostat.manually_adjusted" in new.event_types
    assert seam_entry.data[CONF_SEAM_WEBHOOK_EVENT_TYPES] == list(EVENT_TYPES)
    assert seam_entry.data[CONF_SEAM_WEBHOOK_SECRET] == new.secret


async def test_registration_failure_falls_back_to_the_manual_path(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass.config.external_url = (
        "https://my-home.example.org"  # Seam (here: the simulator) refuses it
    )
    push_options(seam_entry, hass)
    await setup(hass, seam_entry)
    assert "Could not register push updates with Seam" in caplog.text
    issue = issue_registry.async_get_issue(DOMAIN, f"{seam_entry.entry_id}_push_not_set_up")
    assert issue is not None
    assert issue.translation_placeholders == {
        "webhook_url": f"https://my-home.example.org/api/webhook/{HOOK_ID}"
    }
    assert state(hass, front_lock(hass)) == "locked"


async def test_cloud_webhook_is_preferred(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry, web: TestClient
) -> None:
    cloudhook = str(web.make_url(f"/api/webhook/{HOOK_ID}"))
    hass.config.components.add("cloud")
    push_options(seam_entry, hass)
    with (
        patch("homeassistant.components.cloud.async_active_subscription", return_value=True),
        patch(
            "homeassistant.components.cloud.async_get_or_create_cloudhook", return_value=cloudhook
        ),
    ):
        await setup(hass, seam_entry)
    (hook,) = simulator.state.hub.webhooks.values()
    assert hook.url == cloudhook
    assert seam_entry.data[CONF_CLOUDHOOK] is True

    # The cloudhook made for the entry goes with it.
    with patch("homeassistant.components.cloud.async_delete_cloudhook") as delete_cloudhook:
        assert await hass.config_entries.async_remove(seam_entry.entry_id)
        await hass.async_block_till_done()
    delete_cloudhook.assert_awaited_once_with(hass, HOOK_ID)
    assert simulator.state.hub.webhooks == {}


async def test_manual_path_from_the_options(
    hass: HomeAssistant,
    seam_entry: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
) -> None:
    """No URL Seam can reach: the user is shown the URL and enters Seam's secret."""
    await setup(hass, seam_entry)
    result = await hass.config_entries.options.async_init(seam_entry.entry_id)
    assert result["step_id"] == "seam"
    url = result["description_placeholders"]["webhook_url"]
    path = urlsplit(url).path
    assert path.startswith("/api/webhook/")
    webhook_id = path.removeprefix("/api/webhook/")
    assert len(webhook_id) >= 32
    assert seam_entry.data[CONF_WEBHOOK_ID] == webhook_id

    # The user copies the URL, leaves the form to add the webhook in Seam's console, and
    # comes back: the URL is the same.
    hass.config_entries.options.async_abort(result["flow_id"])
    result = await hass.config_entries.options.async_init(seam_entry.entry_id)
    assert result["description_placeholders"]["webhook_url"] == url

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_PUSH: True}
    )
    await hass.async_block_till_done()
    issue_id = f"{seam_entry.entry_id}_push_not_set_up"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert seam_entry.data[CONF_WEBHOOK_ID] == webhook_id
    assert CONF_WEBHOOK_ID not in seam_entry.options

    result = await hass.config_entries.options.async_init(seam_entry.entry_id)
    assert result["description_placeholders"]["webhook_url"] == url
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 60, CONF_PUSH: True, CONF_WEBHOOK_SECRET: "whsec_!!"},
    )
    assert result["errors"] == {CONF_WEBHOOK_SECRET: "invalid_webhook_secret"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_PUSH: True, CONF_WEBHOOK_SECRET: SECRET}
    )
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    payload = orjson.dumps({"event_type": "lock.unlocked", "device_id": FRONT_ID})
    headers = svix_headers(SECRET, payload, message_id="m", timestamp=int(time.time()))
    response = await web.post(path, data=payload, headers=headers)
    assert response.status == 200
    assert state(hass, front_lock(hass)) == "unlocked"


async def test_unusable_stored_secret(
    hass: HomeAssistant,
    seam_entry: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    push_options(seam_entry, hass, **{CONF_WEBHOOK_SECRET: "whsec_%%%"})
    await setup(hass, seam_entry)
    assert "stored Seam webhook secret is unusable" in caplog.text
    assert issue_registry.async_get_issue(DOMAIN, f"{seam_entry.entry_id}_push_not_set_up")
    assert await deliver(web, {"event_type": "lock.unlocked", "device_id": FRONT_ID}) == 401


async def test_url_shown_without_any_configured_url(
    hass: HomeAssistant, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, seam_entry)
    with patch(
        "custom_components.parqex.push.webhook.async_generate_url",
        side_effect=NoURLAvailableError,
    ):
        result = await hass.config_entries.options.async_init(seam_entry.entry_id)
    assert result["description_placeholders"]["webhook_url"].startswith("/api/webhook/")


async def test_cloud_without_subscription_uses_the_external_url(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry, web: TestClient
) -> None:
    hass.config.external_url = str(web.make_url("")).rstrip("/")
    hass.config.components.add("cloud")
    push_options(seam_entry, hass)
    with patch("homeassistant.components.cloud.async_active_subscription", return_value=False):
        await setup(hass, seam_entry)
    (hook,) = simulator.state.hub.webhooks.values()
    assert hook.url.startswith(hass.config.external_url)


async def test_seam_refusing_the_removal_is_logged(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    web: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass.config.external_url = str(web.make_url("")).rstrip("/")
    push_options(seam_entry, hass)
    await setup(hass, seam_entry)
    simulator.fault(service="seam", path="/webhooks/delete", status=503)
    assert await hass.config_entries.async_remove(seam_entry.entry_id)
    await hass.async_block_till_done()
    assert "Could not remove the push webhook from Seam" in caplog.text
    assert len(simulator.state.hub.webhooks) == 1


async def test_events_about_other_devices_cost_no_request(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    manual: MockConfigEntry,
    web: TestClient,
) -> None:
    """Seam delivers the whole workspace's events; only those that may concern us poll."""
    requests = simulator.requests_to("seam")
    for n in range(20):
        event = {"event_type": "lock.unlocked", "device_id": f"someone-elses-{n}"}
        assert await deliver(web, event, message_id=f"foreign-{n}") == 200
    foreign_account = {
        "event_type": "connected_account.disconnected",
        "connected_account_id": "someone-elses-account",
    }
    assert await deliver(web, foreign_account, message_id="foreign-account") == 200
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert simulator.requests_to("seam") == requests
    assert state(hass, front_lock(hass)) == "locked"

    # Our own account disconnecting is news: one poll to learn what it changed.
    own_account = {
        "event_type": "connected_account.disconnected",
        "connected_account_id": simulator.state.devices[FRONT_ID]["connected_account_id"],
    }
    assert await deliver(web, own_account, message_id="own-account") == 200
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert simulator.requests_to("seam") == requests + 1


async def test_newly_shared_device_is_found_with_one_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    manual: MockConfigEntry,
    web: TestClient,
) -> None:
    shed_id = "5e1f0c2a-1111-4a2b-8c3d-4e5f6a7b8c9d"
    shed = copy.deepcopy(simulator.state.devices[BACK_ID])
    simulator.state.add_device({**shed, "device_id": shed_id, "nickname": "Shed"})
    requests = simulator.requests_to("seam")
    # Seam says so more than once (added, access granted); one poll answers them all.
    for n, event_type in enumerate(
        ("device.added", "access_grant.access_granted_to_door", "device.added")
    ):
        event = {"event_type": event_type, "device_id": shed_id}
        assert await deliver(web, event, message_id=f"shared-{n}") == 200
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert simulator.requests_to("seam") == requests + 1
    shed_lock = find_entity(hass, "lock", shed_id, "lock")
    assert state(hass, shed_lock) == state(hass, find_entity(hass, "lock", BACK_ID, "lock"))


async def test_cloudhook_that_cannot_be_removed_is_logged(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    web: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:

    hass.config.components.add("cloud")
    push_options(seam_entry, hass)
    with (
        patch("homeassistant.components.cloud.async_active_subscription", return_value=True),
        patch(
            "homeassistant.components.cloud.async_get_or_create_cloudhook",
            return_value=str(web.make_url(f"/api/webhook/{HOOK_ID}")),
        ),
    ):
        await setup(hass, seam_entry)
    with patch(
        "homeassistant.components.cloud.async_delete_cloudhook",
        side_effect=CloudNotAvailable,
    ):
        assert await hass.config_entries.async_remove(seam_entry.entry_id)
        await hass.async_block_till_done()
    assert "Could not remove the Home Assistant Cloud webhook" in caplog.text
    # Seam's side is removed all the same.
    assert simulator.state.hub.webhooks == {}
