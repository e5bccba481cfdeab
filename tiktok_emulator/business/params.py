"""Reading and checking the Accounts API's query parameters.

Why strict: TikTok refuses what it does not understand (an unknown field, a date beyond the 60-day
window, a page size above the maximum) with a non-zero ``code``, and a connector that sends such a
request must fail here, not first in production.  Every check raises ``BusinessError``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from tiktok_emulator.business.envelope import BusinessError
from tiktok_emulator.documented.business import CODE_PARAM_ERROR
from tiktok_emulator.documented.insights import DEFAULT_START_DAYS_BACK, MAX_DAYS_BACK
from tiktok_emulator.field_refusals import FieldRefusals
from tiktok_emulator.tokens import Grant
from tiktok_emulator.wire import Request

# What a 40002 says when it does not say which parameter (the emulator's wording).
PARAM_ERROR_MESSAGE = "Invalid parameters."


def invalid(message: str) -> BusinessError:
    return BusinessError(CODE_PARAM_ERROR, message)


def json_param(request: Request, name: str) -> Any:
    """The parameter parsed as JSON; None if absent."""
    raw = request.param(name)
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid(f"{name} must be JSON (got {raw[:60]!r}).") from None


def string_list(request: Request, name: str, most: int | None = None) -> list[str] | None:
    """A JSON array of strings (e.g. ``comment_ids``), at most ``most`` long; None if absent."""
    value = json_param(request, name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f'{name} must be a JSON array of strings, e.g. ["6990565363377392901"].')
    if most is not None and len(value) > most:
        raise invalid(f"{name} accepts at most {most} values.")
    return value


def fields(
    request: Request, known: Iterable[str], default: Sequence[str], refusals: FieldRefusals
) -> list[str]:
    """``fields``: a JSON array of known field names, duplicates dropped; ``default`` if absent.
    A field ``refusals`` names is refused as if unknown (see ``field_refusals``)."""
    value = string_list(request, "fields")
    if value is None:
        return list(default)
    if not value:
        raise invalid('fields must name at least one field, e.g. ["item_id"].')
    known_fields = set(known)
    unknown = [f for f in value if f not in known_fields]
    if unknown:
        raise invalid(f"Invalid field(s): {', '.join(unknown)}.")
    refused = refusals.refused(value)
    if refused:
        raise invalid(refusals.message(refused) or PARAM_ERROR_MESSAGE)
    return list(dict.fromkeys(value))


def require_scopes(grant: Grant, scopes: set[str], code: int) -> None:
    """A missing-scope ``code`` (40130, or 40001 when the emulator is told so), naming every
    scope the token lacks."""
    missing = sorted(scopes - set(grant.scopes))
    if missing:
        raise BusinessError(
            code, f"The access token was not granted the scope(s) {', '.join(missing)} this request needs."
        )


def business_id(request: Request, open_id: str) -> None:
    """``business_id`` must be the open_id of the account the token belongs to.

    Another account's ``business_id`` (even one that authorised the same app) is refused too: a
    token opens its own account only.  The code, 40002 (invalid parameter), is the emulator's
    assumption, unverified: no reference page or SDK copy found says what TikTok answers to a
    ``business_id`` that does not match the token.
    """
    value = request.param("business_id")
    if not value:
        raise invalid("business_id is required.")
    if value != open_id:
        raise invalid("business_id does not match the account of the access token.")


def dates_given(request: Request) -> bool:
    """Whether the request names a start_date or an end_date."""
    return bool(request.param("start_date") or request.param("end_date"))


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


def choice(request: Request, name: str, options: Sequence[str]) -> str | None:
    """One of ``options`` (case-insensitive); None if absent."""
    raw = request.param(name)
    if not raw:
        return None
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
    """``start_date``..``end_date`` (UTC, inclusive), at most MAX_DAYS_BACK days back, not future;
    by default from today - 7 to yesterday, as documented."""
    start, end = _date(request, "start_date"), _date(request, "end_date")
    if end is None:
        end = today - datetime.timedelta(days=1)
    if start is None:
        start = today - datetime.timedelta(days=DEFAULT_START_DAYS_BACK)
    earliest = today - datetime.timedelta(days=MAX_DAYS_BACK)
    if start < earliest:
        raise invalid(
            f"start_date must be within the last {MAX_DAYS_BACK} days (on or after {earliest.isoformat()})."
        )
    if end > today:
        raise invalid(f"end_date must not be after today ({today.isoformat()} UTC).")
    if end < start:
        raise invalid(
            f"end_date ({end.isoformat()}) must not be before start_date ({start.isoformat()}); "
            "without a date, start_date is today - 7 days and end_date yesterday."
        )
    return start, end
