"""Keypad codes of Seam locks from Home Assistant: the actions, their checks, who unlocked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.api import SeamDevice
from custom_components.parqex.api.seam.models import parse_seam_device
from custom_components.parqex.codes import CODE_RULES, CodeLimits, check_code
from custom_components.parqex.const import DOMAIN
from simulator.seeds import (
    BACK_DOOR_ID,
    FRONT_CLEANER_CODE_ID,
    FRONT_DOOR_ID,
    FRONT_FAMILY_CODE_ID,
    FRONT_UNMANAGED_CODE_ID,
)
from tests.components.conftest import deliver
from tests.conftest import Simulator, find_entity

PADLOCK_ID = "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503"
CODE_PATHS = ("/access_codes/list", "/access_codes/unmanaged/list")


def lock(hass: HomeAssistant, device_id: str = FRONT_DOOR_ID) -> str:
    return find_entity(hass, "lock", device_id, "lock")


async def action(
    hass: HomeAssistant, service: str, device_id: str = FRONT_DOOR_ID, **data: Any
) -> Any:
    """Call one of the code actions on a lock; its answer where it has one."""
    response = service in ("get_codes", "add_code")
    return await hass.services.async_call(
        DOMAIN,
        service,
        {"entity_id": lock(hass, device_id), **data},
        blocking=True,
        return_response=response,
    )


def sent(simulator: Simulator, prefix: str = "/access_codes/") -> list[str]:
    return [r.path for r in simulator.state.requests if r.path.startswith(prefix)]


def codes_of(simulator: Simulator, device_id: str = FRONT_DOOR_ID) -> dict[str, Any]:
    """The simulated Seam's codes of a lock, by name."""
    return {
        code.name: code
        for code in simulator.state.access_codes.values()
        if code.device_id == device_id
    }


async def test_get_codes_lists_managed_and_unmanaged(hass: HomeAssistant, seam: Simulator) -> None:
    answer = await action(hass, "get_codes")
    codes = {code["access_code_id"]: code for code in answer[lock(hass)]["codes"]}
    assert set(codes) == {FRONT_FAMILY_CODE_ID, FRONT_CLEANER_CODE_ID, FRONT_UNMANAGED_CODE_ID}
    family = codes[FRONT_FAMILY_CODE_ID]
    assert (family["name"], family["code"], family["type"]) == ("Family", "4819", "ongoing")
    assert family["set_on_device"] is True
    assert family["managed"] is True
    cleaner = codes[FRONT_CLEANER_CODE_ID]
    assert cleaner["type"] == "time_bound"
    assert cleaner["ends_at"].startswith("2027-05-01T08:00")
    assert codes[FRONT_UNMANAGED_CODE_ID]["managed"] is False
    assert sent(seam) == list(CODE_PATHS)


async def test_add_a_guest_code_for_a_weekend(hass: HomeAssistant, seam: Simulator) -> None:
    starts = dt_util.now() + timedelta(days=2)
    answer = await action(
        hass,
        "add_code",
        name="Guest weekend",
        code="4826",
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
    )
    added = answer[lock(hass)]
    assert added["code"] == "4826"
    guest = codes_of(seam)["Guest weekend"]
    assert guest.access_code_id == added["access_code_id"]
    assert (guest.code, guest.type, guest.status) == ("4826", "time_bound", "set")
    assert "/action_attempts/get" in [r.path for r in seam.state.requests]


async def test_seam_makes_up_a_code_when_none_is_given(
    hass: HomeAssistant, seam: Simulator
) -> None:
    answer = await action(hass, "add_code", name="Plumber")
    code = answer[lock(hass)]["code"]
    assert code.isdecimal()
    assert len(code) in (4, 6)
    assert codes_of(seam)["Plumber"].code == code


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"code": "48a6"}, "code_not_digits"),
        ({"code": "48263"}, "code_lengths"),
        ({"code": "1234"}, "code_rule_no_ascending_or_descending_sequence"),
        ({"code": "7777"}, "code_rule_no_all_same_digits"),
        ({"code": "4826", "starts_at": "2030-01-01 10:00:00"}, "code_time_frame_incomplete"),
        (
            {"code": "4826", "starts_at": "2030-01-02 10:00", "ends_at": "2030-01-01 10:00"},
            "code_time_frame",
        ),
        (
            {"code": "4826", "starts_at": "2020-01-01 10:00", "ends_at": "2020-01-02"},
            "code_time_frame",
        ),
    ],
    ids=["letters", "length", "sequence", "same_digits", "no_end", "reversed", "past"],
)
async def test_codes_the_lock_would_refuse_are_never_sent(
    hass: HomeAssistant, seam: Simulator, data: dict[str, Any], key: str
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await action(hass, "add_code", name="Guest", **data)
    assert caught.value.translation_key == key
    assert "Front Door" in str(caught.value)
    assert sent(seam) == []


def keypad_lock(lengths: list[int], rules: list[str]) -> SeamDevice:
    properties = {
        "supported_code_lengths": lengths,
        "code_constraints": [{"constraint_type": rule} for rule in rules],
    }
    return parse_seam_device(orjson.dumps({"device": {"device_id": "d", "properties": properties}}))


EXCEPTIONS = orjson.loads(
    (Path(__file__).parents[2] / "custom_components/parqex/strings.json").read_bytes()
)["exceptions"]


# A code that breaks each rule the integration checks (and no other of them).
BREAKING = {
    "no_zeros": "4806",
    "cannot_start_with_12": "1247",
    "no_all_same_digits": "5555",
    "at_least_three_unique_digits": "4844",
    "no_ascending_or_descending_sequence": "4123",
    "no_triple_consecutive_ints": "9876",
    "cannot_contain_089": "4816",
    "cannot_contain_0789": "4716",
}


def test_every_rule_checked_is_tested() -> None:
    assert BREAKING.keys() == CODE_RULES.keys()


@pytest.mark.parametrize(("rule", "code"), BREAKING.items())
def test_each_broken_rule_is_said_in_its_own_words(rule: str, code: str) -> None:
    """A refused code names the rule it breaks in a sentence, never by Seam's rule id."""
    with pytest.raises(ServiceValidationError) as caught:
        check_code(keypad_lock([4], [rule]), code, {"name": "Gate"})
    assert caught.value.translation_key == f"code_rule_{rule}"
    message = EXCEPTIONS[f"code_rule_{rule}"]["message"]
    assert "{name}" in message
    assert rule not in message
    # The same code is taken by a lock without that rule.
    check_code(keypad_lock([4], []), code, {"name": "Gate"})


def test_a_code_that_keeps_every_rule_is_taken() -> None:
    check_code(keypad_lock([4], list(CODE_RULES)), "4615", {"name": "Gate"})


def test_one_supported_length_is_said_as_one_number() -> None:
    with pytest.raises(ServiceValidationError) as caught:
        check_code(keypad_lock([4], []), "46151", {"name": "Gate"})
    assert caught.value.translation_key == "code_length"
    assert caught.value.translation_placeholders == {"name": "Gate", "length": "4"}


async def test_update_and_delete_by_name(hass: HomeAssistant, seam: Simulator) -> None:
    ends = dt_util.now() + timedelta(days=30)
    await action(hass, "update_code", code_id="Cleaner", starts_at=dt_util.now(), ends_at=ends)
    assert codes_of(seam)["Cleaner"].ends_at.startswith(
        dt_util.as_utc(ends).strftime("%Y-%m-%dT%H:%M")
    )
    await action(hass, "update_code", code_id=FRONT_FAMILY_CODE_ID, code="4913")
    assert codes_of(seam)["Family"].code == "4913"
    await action(hass, "delete_code", code_id="Cleaner")
    assert "Cleaner" not in codes_of(seam)
    with pytest.raises(ServiceValidationError) as caught:
        await action(hass, "delete_code", code_id="Nobody")
    assert caught.value.translation_key == "code_not_found"


async def test_a_name_two_codes_share_needs_the_id(hass: HomeAssistant, seam: Simulator) -> None:
    await action(hass, "add_code", name="Family", code="4826")
    with pytest.raises(ServiceValidationError) as caught:
        await action(hass, "delete_code", code_id="Family")
    assert caught.value.translation_key == "code_ambiguous"


async def test_seams_limit_on_new_codes_is_kept_locally(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.delay = 0
    for n in range(10):
        await action(hass, "add_code", name=f"Guest {n}")
    with pytest.raises(HomeAssistantError) as caught:
        await action(hass, "add_code", name="Guest 10")
    assert caught.value.translation_key == "code_rate_limited"
    assert sent(seam).count("/access_codes/create") == 10


async def test_lock_without_online_codes(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    # A padlock Seam can lock, but whose codes it cannot program.
    seam.state.update_device(PADLOCK_ID, {"can_remotely_lock": True})
    await seam_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as caught:
        await action(hass, "get_codes", device_id=PADLOCK_ID)
    assert caught.value.translation_key == "codes_not_supported"


async def test_failed_code_shows_seams_reason_without_the_code(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.fault(
        service="seam",
        path="/access_codes/create",
        status=400,
        body='{"error": {"type": "invalid_input", "message": "code 4826 is taken"}, "ok": false}',
    )
    with pytest.raises(HomeAssistantError) as caught:
        await action(hass, "add_code", name="Guest", code="4826")
    assert "4826" not in str(caught.value)
    assert "is taken" in str(caught.value)


async def test_who_unlocked_by_the_codes_name(
    hass: HomeAssistant, simulator: Simulator, manual: MockConfigEntry, web: TestClient
) -> None:
    front, activity = lock(hass), find_entity(hass, "event", FRONT_DOOR_ID, "activity")

    async def send(n: int, event_type: str, **fields: Any) -> None:
        event = {"event_type": event_type, "device_id": FRONT_DOOR_ID, **fields}
        assert await deliver(web, event, message_id=f"msg_{n}") == 200
        await hass.async_block_till_done(wait_background_tasks=True)

    await send(1, "lock.unlocked", method="keycode", access_code_id=FRONT_FAMILY_CODE_ID)
    shown = hass.states.get(activity).attributes
    assert (shown["event_type"], shown["access_code_name"]) == ("unlocked", "Family")
    assert hass.states.get(front).attributes["changed_by"] == "Family"
    # The codes were read once; a second unlock by a known code costs nothing.
    assert sent(simulator) == list(CODE_PATHS)
    await send(2, "lock.locked", method="manual")
    await send(3, "lock.unlocked", method="keycode", access_code_id=FRONT_CLEANER_CODE_ID)
    assert hass.states.get(activity).attributes["access_code_name"] == "Cleaner"
    assert sent(simulator) == list(CODE_PATHS)

    # Seam says the codes changed: the next unlock reads them again.
    await send(4, "access_code.changed", access_code_id=FRONT_CLEANER_CODE_ID)
    await send(
        5,
        "lock.access_denied",
        access_code_id=FRONT_CLEANER_CODE_ID,
        reason={"reason_code": "expired_code"},
    )
    shown = hass.states.get(activity).attributes
    assert shown["event_type"] == "access_denied"
    assert (shown["access_code_name"], shown["reason"]) == ("Cleaner", "expired_code")
    assert sent(simulator) == [*CODE_PATHS, *CODE_PATHS]
    await send(6, "lock.access_denied", reason={"reason_code": "unknown_code"})
    assert hass.states.get(activity).attributes["reason"] == "unknown_code"


async def test_unknown_code_read_that_fails_still_tells_the_unlock(
    hass: HomeAssistant, simulator: Simulator, manual: MockConfigEntry, web: TestClient
) -> None:
    simulator.fault(service="seam", path="/access_codes/list", status=503)
    event = {
        "event_type": "lock.unlocked",
        "device_id": BACK_DOOR_ID,
        "method": "keycode",
        "access_code_id": "c0de9999-0000-4000-8000-000000000000",
    }
    assert await deliver(web, event) == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    shown = hass.states.get(find_entity(hass, "event", BACK_DOOR_ID, "activity")).attributes
    assert (shown["event_type"], shown["access_code_name"]) == ("unlocked", None)
    assert hass.states.get(lock(hass, BACK_DOOR_ID)).attributes["changed_by"] == "keycode"


async def test_codes_seam_cannot_list(hass: HomeAssistant, seam: Simulator) -> None:
    seam.fault(service="seam", path="/access_codes/list", status=503, count=2)
    for call in (
        action(hass, "get_codes"),
        action(hass, "delete_code", code_id="Family"),
    ):
        with pytest.raises(HomeAssistantError) as caught:
            await call
        assert caught.value.translation_key == "command_error"


def test_code_limits_free_up_after_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("custom_components.parqex.codes.time.monotonic", lambda: now[0])
    limits = CodeLimits()
    for _ in range(20):
        limits.raise_if_exceeded("lock", "delete", {"name": "Lock"})
    now[0] += 45
    with pytest.raises(HomeAssistantError) as caught:
        limits.raise_if_exceeded("lock", "delete", {"name": "Lock"})
    assert caught.value.translation_placeholders == {"name": "Lock", "limit": "20", "seconds": "15"}
    # Another kind of change, or another lock, has a limit of its own.
    limits.raise_if_exceeded("lock", "create", {"name": "Lock"})
    now[0] += 15
    limits.raise_if_exceeded("lock", "delete", {"name": "Lock"})
