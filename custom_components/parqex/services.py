"""Actions on Seam locks' keypad codes, shaped so a code manager can drive them."""

from __future__ import annotations

from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN
from homeassistant.core import HomeAssistant, SupportsResponse, callback
from homeassistant.helpers import config_validation as cv, service
from homeassistant.helpers.typing import VolDictType
import probatio as vol

from .const import DOMAIN

SERVICE_GET_CODES = "get_codes"
SERVICE_ADD_CODE = "add_code"
SERVICE_UPDATE_CODE = "update_code"
SERVICE_DELETE_CODE = "delete_code"
ATTR_NAME = "name"
ATTR_CODE = "code"
ATTR_CODE_ID = "code_id"
ATTR_STARTS_AT = "starts_at"
ATTR_ENDS_AT = "ends_at"

_TIME_FRAME: VolDictType = {
    vol.Optional(ATTR_STARTS_AT): cv.datetime,
    vol.Optional(ATTR_ENDS_AT): cv.datetime,
}
# A code is a string: "0123" must keep its zero.
_CODE = vol.All(cv.string, vol.Length(min=1, max=16))
_NAME = vol.All(cv.string, vol.Length(min=1, max=64))
_ADD_CODE: VolDictType = {
    vol.Required(ATTR_NAME): _NAME,
    vol.Optional(ATTR_CODE): _CODE,
    **_TIME_FRAME,
}
_UPDATE_CODE: VolDictType = {
    vol.Required(ATTR_CODE_ID): cv.string,
    vol.Optional(ATTR_NAME): _NAME,
    vol.Optional(ATTR_CODE): _CODE,
    **_TIME_FRAME,
}
_DELETE_CODE: VolDictType = {vol.Required(ATTR_CODE_ID): cv.string}
_SERVICES: tuple[tuple[str, str, VolDictType, SupportsResponse], ...] = (
    (SERVICE_GET_CODES, "async_get_codes", {}, SupportsResponse.ONLY),
    (SERVICE_ADD_CODE, "async_add_code", _ADD_CODE, SupportsResponse.OPTIONAL),
    (SERVICE_UPDATE_CODE, "async_update_code", _UPDATE_CODE, SupportsResponse.NONE),
    (SERVICE_DELETE_CODE, "async_delete_code", _DELETE_CODE, SupportsResponse.NONE),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the code actions; they act on lock entities of this integration."""
    for name, func, schema, response in _SERVICES:
        service.async_register_platform_entity_service(
            hass,
            DOMAIN,
            name,
            entity_domain=LOCK_DOMAIN,
            schema=schema,
            func=func,
            supports_response=response,
        )
