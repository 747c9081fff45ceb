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

SERVICE_PARQEX: Final = "parqex"
SERVICE_SEAM: Final = "seam"

DEFAULT_PARQEX_SCAN_INTERVAL: Final = 30
DEFAULT_SEAM_SCAN_INTERVAL: Final = 60
MIN_SCAN_INTERVAL: Final = 10
# A poll that takes longer than this is a failed poll; the next one is scheduled as usual.
REQUEST_TIMEOUT = 10.0
# Polls that reconcile after commands and events wait this long, so a burst costs one.
RECONCILE_COOLDOWN: Final = 10.0
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
