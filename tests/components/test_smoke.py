from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import setup


async def test_smoke(
    hass: HomeAssistant, parqex_entry: MockConfigEntry, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    for state in sorted(hass.states.async_all(), key=lambda s: s.entity_id):
        print(state.entity_id, state.state, dict(state.attributes))
