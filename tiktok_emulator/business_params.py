"""Reading and checking the Accounts API's query parameters.

Why strict: TikTok refuses what it does not understand (an unknown field, a date beyond the 60-day
window, a page size above the maximum) with a non-zero ``code``, and a connector that sends such a
request must fail here, not first in production.  Every check raises ``BusinessError``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from source_tiktok_organic.business_protocol import CODE_INVALID_PARAMETER, CODE_NO_PERMISSION, MAX_DAYS_BACK
from tiktok_emulator.business_envelope import BusinessError
from tiktok_emulator.tokens import Grant
from tiktok_emulator.wire import Request

#: How many days business/get serves when the request names no dates: the last 7 full days.
DEFAULT_DAYS: int = 7


def invalid(message: str) -> BusinessError:
    return BusinessError(CODE_INVALID_PARAMETER, message)


def json_param(request: Request, name: str) -> Any:
    """The parameter parsed as JSON; None if absent."""
    raw = request.param(name)
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid(f"{name} must be JSON (got {raw[:60]!r}).") from None


def fields(request: Request, field_scopes: Mapping[str, str]) -> list[str]:
    """``fields``: a JSON array of known field names, required, duplicates dropped."""
    value = json_param(request, "fields")
    if not isinstance(value, list) or not value or not all(isinstance(f, str) for f in value):
        raise invalid('fields is required: a JSON array of field names, e.g. ["item_id"].')
    unknown = [f for f in value if f not in field_scopes]
    if unknown:
        raise invalid(f"Invalid field(s): {', '.join(unknown)}.")
    return list(dict.fromkeys(value))


def require_scopes(grant: Grant, scopes: set[str]) -> None:
    """``CODE_NO_PERMISSION``, naming every scope the token lacks."""
    missing = sorted(scopes - set(grant.scopes))
    if missing:
        raise BusinessError(
            CODE_NO_PERMISSION,
            f"No permission: the access token was not granted the scope(s) {', '.join(missing)}.",
        )


def business_id(request: Request, open_id: str) -> None:
    """``business_id`` must be the open_id of the account the token belongs to."""
    value = request.param("business_id")
    if not value:
        raise invalid("business_id is required.")
    if value != open_id:
        raise invalid("business_id does not match the account of the access token.")


def integer(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.param(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer.") from None
    if not low <= value <= high:
        raise invalid(f"{name} must be between {low} and {high}.")
    return value


def boolean(request: Request, name: str) -> bool:
    raw = (request.param(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise invalid(f"{name} must be true or false.")
    return raw in ("true", "1")


def choice(request: Request, name: str, options: tuple[str, ...]) -> str:
    """One of ``options`` (case-insensitive), the first by default."""
    raw = request.param(name)
    if not raw:
        return options[0]
    for option in options:
        if raw.upper() == option.upper():
            return option
    raise invalid(f"{name} must be one of {', '.join(options)}.")


def _date(request: Request, name: str) -> datetime.date | None:
    raw = request.param(name)
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise invalid(f"{name} must be a date as YYYY-MM-DD.") from None


def date_range(request: Request, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """``start_date``..``end_date`` (UTC, inclusive), at most MAX_DAYS_BACK days back, not future."""
    start, end = _date(request, "start_date"), _date(request, "end_date")
    if end is None:
        yesterday = today - datetime.timedelta(days=1)
        end = yesterday if start is None else max(start, yesterday)
    if start is None:
        start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    earliest = today - datetime.timedelta(days=MAX_DAYS_BACK)
    if start < earliest:
        raise invalid(
            f"start_date must be within the last {MAX_DAYS_BACK} days (on or after {earliest.isoformat()})."
        )
    if end > today:
        raise invalid(f"end_date must not be after today ({today.isoformat()} UTC).")
    if end < start:
        raise invalid("end_date must not be before start_date.")
    return start, end
