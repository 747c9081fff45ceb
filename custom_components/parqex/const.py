"""Constants of the ParqEx integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "parqex"
LOGGER: Final = logging.getLogger(__package__)

# Entry data keys are exactly the config flow's field names.
CONF_ACCESS_TOKEN: Final = "access_token"  # noqa: S105 (a field name, not a token)
CONF_API_KEY: Final = "api_key"
CONF_USER_IDENTITY_ID: Final = "user_identity_id"
CONF_URL: Final = "url"
CONF_SCAN_INTERVAL: Final = "scan_interval"
# What Home Assistant's OAuth helper keeps in a signed-in ParqEx entry.
CONF_AUTH_IMPLEMENTATION: Final = "auth_implementation"
CONF_TOKEN: Final = "token"  # noqa: S105 (a field name)
# ParqEx option: doors are covers Home Assistant can open and close (on), or sensors only.
CONF_CONTROL_DOORS: Final = "control_doors"
# The key of a door's position binary sensor (the last part of its unique id).
DOOR_POSITION_KEY: Final = "door"
# The key of a Seam lock's state shown as a binary sensor, where Seam cannot drive the lock.
LOCK_STATE_KEY: Final = "lock_state"
# Seam push options (the user's choices): the switch and the secret of a webhook made by hand.
CONF_PUSH: Final = "push"
CONF_WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 (an option name)
# Entry data the integration manages for push: Home Assistant's webhook id, whether it made a
# Home Assistant Cloud webhook for it, and the webhook it registered with Seam.
CONF_WEBHOOK_ID: Final = "webhook_id"
CONF_CLOUDHOOK: Final = "cloudhook"
CONF_SEAM_WEBHOOK_ID: Final = "seam_webhook_id"
CONF_SEAM_WEBHOOK_SECRET: Final = "seam_webhook_secret"  # noqa: S105 (a field name)
CONF_SEAM_WEBHOOK_URL: Final = "seam_webhook_url"
# The events Seam's webhook was created for: a webhook made for fewer is made again.
CONF_SEAM_WEBHOOK_EVENT_TYPES: Final = "seam_webhook_event_types"

SERVICE_PARQEX: Final = "parqex"
SERVICE_SEAM: Final = "seam"

DEFAULT_PARQEX_SCAN_INTERVAL: Final = 30
DEFAULT_SEAM_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 10
# A poll that takes longer than this is a failed poll; the next one is scheduled as usual.
REQUEST_TIMEOUT = 10.0
# Polls that reconcile after commands and events wait this long, so a burst costs one.
RECONCILE_COOLDOWN: Final = 10.0
# A door told to move: `/sync` is read this often until it reports the state asked for, for
# at most the travel limit (garage doors take 10 to 30 seconds).
DOOR_POLL_INTERVAL: Final = 2.0
DOOR_TRAVEL_LIMIT = 60.0
# ParqEx's sister service on the same API asks clients to leave 20 s between commands to a
# door; a command sooner is refused in Home Assistant without being sent.
DOOR_COMMAND_PACING: Final = 20.0
# However long an outage lasts, the service is asked again at least this often.
MAX_BACKOFF: Final = timedelta(minutes=5)

# While webhook deliveries arrive, polling only reconciles; after this long without one, it
# returns to the normal interval.
PUSH_POLL_INTERVAL: Final = timedelta(minutes=10)
PUSH_SILENCE: Final = timedelta(minutes=30)

MANUFACTURER_PARQEX: Final = "ParqEx"
MANUFACTURER_SEAM: Final = "Seam"

# Seam device errors after which the device cannot be trusted to report its state.
SEAM_OFFLINE_ERRORS: Final = frozenset(
    {
        "device_offline",
        "device_disconnected",
        "hub_disconnected",
        "account_disconnected",
        "device_removed",
    }
)


def activity_signal(entry_id: str, object_id: str) -> str:
    """The signal a door's or a Seam device's activity is announced with.

    One per object, so only that object's activity entity hears it, however large the account.
    """
    return f"{DOMAIN}_{entry_id}_activity_{object_id}"
