"""Diagnostics: useful, and free of secrets and personal data."""

from __future__ import annotations

import re
from typing import Any

from homeassistant.core import HomeAssistant
import msgspec
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.parqex.api import ParqexAccount, SeamDevices
from custom_components.parqex.api.decoding import Model
from custom_components.parqex.const import (
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
    CONF_WEBHOOK_ID,
)
from custom_components.parqex.diagnostics import TO_REDACT
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY
from tests.conftest import Simulator, setup

# Field names that say a value is a secret, identifies a person, or names one piece of hardware.
SENSITIVE = re.compile(
    r"token|key|secret|password|owner|mac|serial|blackbox|image|location|account|email|phone"
)
# Fields whose names match but whose values are neither: kept on purpose.
NOT_SENSITIVE = {
    "climate_preset_key",
    "bluetooth_sensor_battery_level",
    "keypad_battery",
    "accessory_keypad",
    "token_type",
}


def _models(model: type[Model]) -> list[type[Model]]:
    """`model` and every model that derives from it."""
    return [model, *(found for sub in model.__subclasses__() for found in _models(sub))]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (str(key), *_strings(item))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return [str(value)]


async def test_diagnostics_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    await setup(hass, parqex_entry)
    for entry in (parqex_entry, seam_entry):
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        # The simulator listens on a new port each run.
        assert diagnostics["entry"]["data"].pop("url") == simulator.url
        assert diagnostics == snapshot(name=entry.entry_id)


@pytest.mark.parametrize("seam", [False, True])
async def test_no_secret_or_personal_value_in_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    seam: bool,
) -> None:
    await setup(hass, parqex_entry)
    entry = seam_entry if seam else parqex_entry
    text = orjson.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry)).decode()
    for secret in (
        DEFAULT_PARQEX_TOKEN,
        DEFAULT_SEAM_API_KEY,
        entry.unique_id if not seam else DEFAULT_SEAM_API_KEY,
        "Production",
        "20000c2a6908848d",
        "4011759015b7",
        "connect.getseam.com/assets",
    ):
        assert secret not in text


@pytest.mark.parametrize("model", _models(Model), ids=lambda model: model.__name__)
def test_every_sensitive_model_field_is_redacted(model: type[Model]) -> None:
    """Fails when a new field that may carry a secret is added without redacting it.

    Diagnostics hold the data as the services name it, so the JSON name is what must be listed.
    """
    for field in msgspec.structs.fields(model):
        name = field.encode_name
        if SENSITIVE.search(name) and name not in NOT_SENSITIVE:
            assert name in TO_REDACT, f"{model.__name__}.{name} is not redacted"


def test_the_guard_sees_the_models_diagnostics_hold() -> None:
    assert {ParqexAccount, SeamDevices} <= set(_models(Model))


def test_redaction_guard_catches_new_fields() -> None:
    assert SENSITIVE.search("owner_email")
    assert SENSITIVE.search("webhook_secret")
    assert not SENSITIVE.search("battery_level")


async def test_push_state_kept_in_the_entry_is_redacted(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, seam_entry: MockConfigEntry
) -> None:
    push_state = {
        CONF_WEBHOOK_ID: "0123456789abcdef0123456789abcdef",
        CONF_SEAM_WEBHOOK_ID: "hook-id-7",
        CONF_SEAM_WEBHOOK_SECRET: "whsec_c2VjcmV0IHNpZ25pbmcga2V5",
        CONF_SEAM_WEBHOOK_URL: "https://example.org/api/webhook/0123456789abcdef",
    }
    hass.config_entries.async_update_entry(seam_entry, data={**seam_entry.data, **push_state})
    await setup(hass, seam_entry)
    text = orjson.dumps(
        await get_diagnostics_for_config_entry(hass, hass_client, seam_entry)
    ).decode()
    for value in push_state.values():
        assert value not in text
    assert '"seam_webhook_secret":"**REDACTED**"' in text
