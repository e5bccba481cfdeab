"""Fields an app or region is not served (yet, or any more): the emulator's refusal mode.

TikTok adds and retires fields often (``is_aigc`` on Display videos in 2026, ``is_ad`` on
``business/video/list``; comment ``user_id`` "to be deprecated"), and a field an app or region is
not served is refused as an unknown one is: HTTP 400 ``invalid_params`` on the Display API, code
40002 on the Accounts API, for the whole request.  Whether TikTok's message names the field is not
documented, so the mode does either: ``named`` (the message lists the refused fields the request
asked for) or not (the API's generic message).  The emulator's own answer to a field it does not
know at all is unchanged: it always names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldRefusals:
    """The fields refused in every request that asks for them, on every endpoint of both APIs."""

    fields: frozenset[str] = frozenset()
    named: bool = True

    @classmethod
    def of(cls, fields: Iterable[str] = (), named: bool = True) -> FieldRefusals:
        return cls(frozenset(fields), named)

    def refused(self, asked: Sequence[str]) -> list[str]:
        """The fields of ``asked`` refused, in the order asked."""
        return [field for field in asked if field in self.fields]

    def message(self, refused: Sequence[str]) -> str | None:
        """What the refusal says: the fields when named, else None (the API's generic message)."""
        return f"Invalid field(s): {', '.join(refused)}." if self.named else None
