"""Structured logs: one JSON object per line, so a log platform can search and alert on them.

``security_event("sign_in_failed", username=..., ip=...)`` writes to the
``capacity_tracker.security`` logger; its handler (settings.LOGGING) formats each record with
``JsonFormatter``. Nothing here imports an app.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

SECURITY_LOGGER = "capacity_tracker.security"
_logger = logging.getLogger(SECURITY_LOGGER)

# Attributes every LogRecord has; anything else on a record came from ``extra`` and is logged.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "at": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update(
            {key: value for key, value in record.__dict__.items() if key not in _STANDARD}
        )
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, sort_keys=True)


def security_event(event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one security-relevant event (sign-ins, lock-outs, denials, exports, admin actions)."""
    _logger.log(level, event, extra=_flat(fields))


def _flat(fields: dict[str, Any]) -> dict[str, Any]:
    # LogRecord refuses extra keys that clash with its own attributes: prefix those.
    return {(f"f_{key}" if key in _STANDARD else key): value for key, value in fields.items()}
