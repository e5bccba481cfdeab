"""The emulated TikTok accounts: several accounts authorising one business app, and the Display app.

Why several: a connector (or an agency) reads many accounts through one app, each authorised on its
own (its own refresh token, rotating on its own, revocable on its own) while every one of them
shares the app's rate limit.  Account 0 is the emulator's one creator, the same account the
Display API serves; every further account is generated from a seed of its own, so it has its own
``open_id``, profile, videos, daily metrics, comments and benchmark numbers.

Every account also authorised the Display app (``client_key``), in a second token store of its own
(``display_tokens``): one emulated creator, one ``open_id``, two grants, as at TikTok where the two
apps are authorised apart.  Account 0's Display store is the emulator's original one (refresh token
``refresh_token``); account ``i``'s first Display refresh token is ``f"{refresh_token}-account-{i}"``.

Each ``BusinessAccount`` owns its token stores; ``BusinessAccounts`` finds the account behind a
presented token (an access token, refresh token or auth code it ever issued, alive or not; the
``by_display_*`` lookups search the Display stores) or a ``business_id``, which is how the
endpoints of both APIs route one request to one account.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

from tiktok_emulator.business.benchmark import BenchmarkEndpoint
from tiktok_emulator.business.comment_api import CommentEndpoints, CommentSettings
from tiktok_emulator.business.comments import Thread
from tiktok_emulator.display.data import Account
from tiktok_emulator.documented.business import ACCESS_TOKEN_LIFETIME_SECONDS, REFRESH_TOKEN_LIFETIME_SECONDS
from tiktok_emulator.mentions.data import Mentions
from tiktok_emulator.tokens import TokenLifetimes, TokenStore


class BusinessTokenLifetimes:
    """The business store's lifetimes: TikTok's fixed day and year; the per-use limit is shared.

    Why: the Display settings ``access_token_expires_in``/``refresh_expires_in`` describe another
    API's tokens, but a test that makes access tokens die after N calls means every API's tokens.
    """

    def __init__(self, settings: TokenLifetimes) -> None:
        self._settings = settings
        self.access_token_expires_in = ACCESS_TOKEN_LIFETIME_SECONDS
        self.refresh_expires_in = REFRESH_TOKEN_LIFETIME_SECONDS

    @property
    def access_token_lifetime_requests(self) -> int | None:
        return self._settings.access_token_lifetime_requests

    @access_token_lifetime_requests.setter
    def access_token_lifetime_requests(self, value: int | None) -> None:
        self._settings.access_token_lifetime_requests = value


class BusinessGrants:
    """One account's grants to the business app, in a token store of its own.

    Why apart from the Display store: the two APIs are two apps at TikTok; a Display token must
    not open business endpoints, nor the other way round.  Why one store per account: each
    account authorises, rotates and revokes on its own.  The store dates each refresh token by
    its grant's consent (rotation keeps the date), so ``refresh_token_expires_in`` counts down a
    year from the consent, as the refresh page's example suggests, and a yearly re-consent is
    unavoidable.
    """

    def __init__(self, settings: TokenLifetimes, refresh_token: str, scopes: Sequence[str]) -> None:
        self.tokens = TokenStore(BusinessTokenLifetimes(settings), refresh_token, scopes)

    def add_refresh_token(self, refresh_token: str, scopes: Sequence[str]) -> None:
        self.tokens.add_refresh_token(refresh_token, scopes)

    def issue_auth_code(self, app_id: str, redirect_uri: str, scopes: Sequence[str]) -> str:
        """What TikTok's consent page would send back to ``redirect_uri`` as ``auth_code``."""
        return self.tokens.new_auth_code(app_id, redirect_uri, code_challenge="", scopes=tuple(scopes))


class AccountSettings(CommentSettings, TokenLifetimes, Protocol):
    """The emulator settings an account reads: account 0 reads its seed and followers live."""

    followers: int
    mentioned_posts: int
    mention_comments: int
    brand_hashtag_posts: int


def account_seed(seed: int, index: int) -> int:
    """Account ``index``'s generation seed: the emulator's own for account 0, else one derived
    from ``(seed, index)`` (stable across processes and Python versions)."""
    if index == 0:
        return seed
    digest = hashlib.sha256(f"{seed}:business-account:{index}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def account_refresh_token(base: str, index: int) -> str:
    """Account ``index``'s first refresh token: ``base`` itself for account 0.  The same rule names
    both APIs' first refresh tokens (``business_refresh_token`` and the Display ``refresh_token``)."""
    return base if index == 0 else f"{base}-account-{index}"


class BusinessAccount:
    """One TikTok account that authorised the business app and the Display app: its data, its two
    token stores (``tokens``: the business app's; ``display_tokens``: the Display app's) and its
    Accounts API endpoints.

    Public: ``index``, ``open_id``, ``user`` (the generated profile, in the Display API's
    user/info shape), ``videos`` (newest first, in the Display API's shape), ``seed``,
    ``followers`` (the Accounts API's follower count: account 0's is the emulator's
    ``followers`` setting), ``current_refresh_token`` (the newest one issued; rotation changes
    it), ``revoked`` (whether ``revoke_business_account`` was called for it; a later consent
    authorises it again all the same), ``crowded_video_id`` and
    ``comment_thread(video_id)``; for the Display app: ``current_display_refresh_token`` (the newest
    Display refresh token issued for it) and ``display_revoked`` (whether
    ``revoke_display_account`` was called for it).
    """

    def __init__(
        self,
        *,
        index: int,
        settings: AccountSettings,
        data: Account,
        refresh_token: str,
        scopes: Sequence[str],
        display_tokens: TokenStore,
    ) -> None:
        self.index = index
        self._settings = settings
        self._seed = account_seed(settings.seed, index)
        self.data = data
        self.user: dict[str, Any] = data.user
        self.videos: list[dict[str, Any]] = data.videos
        self.open_id: str = data.user["open_id"]
        self._followers: int = data.user["follower_count"]
        self.grants = BusinessGrants(settings, refresh_token, scopes)
        self.revoked = False
        #: The account's grants to the Display app (``client_key``); account 0's is the emulator's.
        self.display_tokens = display_tokens
        self.display_revoked = False
        self.comments = CommentEndpoints(settings=settings, account=data, seed=self._seed)
        self.benchmark = BenchmarkEndpoint(seed=self._seed, open_id=self.open_id)
        #: Who talks about it (the Mentions API), made from the counts set when first asked.
        self.mentions = Mentions(
            seed=self._seed,
            handle=data.user["username"],
            counts=lambda: (
                settings.mentioned_posts,
                settings.mention_comments,
                settings.brand_hashtag_posts,
            ),
        )

    def __repr__(self) -> str:
        return f"BusinessAccount(index={self.index}, open_id={self.open_id!r})"

    @property
    def tokens(self) -> TokenStore:
        return self.grants.tokens

    @property
    def seed(self) -> int:
        """The seed its metrics and insights are drawn from (account 0: the ``seed`` setting)."""
        return self._settings.seed if self.index == 0 else self._seed

    @property
    def followers(self) -> int:
        """The Accounts API's follower count (account 0: the emulator's ``followers`` setting)."""
        return self._settings.followers if self.index == 0 else self._followers

    @followers.setter
    def followers(self, value: int) -> None:
        if self.index == 0:
            self._settings.followers = value
        else:
            self._followers = value

    @property
    def current_refresh_token(self) -> str:
        """The newest refresh token issued for this account (rotation changes it)."""
        return self.grants.tokens.current_refresh_token

    @property
    def current_display_refresh_token(self) -> str:
        """The newest Display refresh token issued for this account (rotation changes it)."""
        return self.display_tokens.current_refresh_token

    @property
    def crowded_video_id(self) -> str | None:
        """The video whose comments pass ``comments_repeat_after`` (the most commented one)."""
        return self.comments.crowded_video_id

    def comment_thread(self, video_id: str) -> Thread:
        """Every comment and reply of one of its videos, for tests to compare a read against."""
        return self.comments.thread_of(video_id)


class BusinessAccounts(Sequence[BusinessAccount]):
    """Every business account, by index, with lookups by token and by ``open_id``."""

    def __init__(self, accounts: Sequence[BusinessAccount]) -> None:
        if not accounts:
            raise ValueError("at least one business account")
        self._accounts = tuple(accounts)
        self._by_open_id = {account.open_id: account for account in self._accounts}
        if len(self._by_open_id) != len(self._accounts):
            raise ValueError("two business accounts were generated with the same open_id; change seed")

    @overload
    def __getitem__(self, index: int) -> BusinessAccount: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[BusinessAccount]: ...

    def __getitem__(self, index: int | slice) -> BusinessAccount | Sequence[BusinessAccount]:
        return self._accounts[index]

    def __len__(self) -> int:
        return len(self._accounts)

    def __iter__(self) -> Iterator[BusinessAccount]:
        return iter(self._accounts)

    def __repr__(self) -> str:
        return f"BusinessAccounts({list(self._accounts)!r})"

    def by_open_id(self, open_id: str | None) -> BusinessAccount | None:
        return self._by_open_id.get(open_id) if open_id else None

    def by_access_token(self, token: str | None) -> BusinessAccount | None:
        """The account that issued this access token (alive or not); None if none did."""
        if not token:
            return None
        return next((a for a in self._accounts if a.tokens.issued_access_token(token)), None)

    def by_refresh_token(self, token: str | None) -> BusinessAccount | None:
        """The account that issued this refresh token (alive, rotated or revoked); None if none did."""
        if not token:
            return None
        return next((a for a in self._accounts if a.tokens.issued_refresh_token(token)), None)

    def by_auth_code(self, code: str | None) -> BusinessAccount | None:
        """The account whose consent issued this auth code (even spent); None if none did."""
        if not code:
            return None
        return next((a for a in self._accounts if a.tokens.issued_auth_code(code)), None)

    # -- the Display app's grants ------------------------------------------------------
    def by_display_access_token(self, token: str | None) -> BusinessAccount | None:
        """The account whose Display grant issued this access token (alive or not); None if none."""
        if not token:
            return None
        return next((a for a in self._accounts if a.display_tokens.issued_access_token(token)), None)

    def by_display_refresh_token(self, token: str | None) -> BusinessAccount | None:
        """The account whose Display grant issued this refresh token (alive, rotated or revoked)."""
        if not token:
            return None
        return next((a for a in self._accounts if a.display_tokens.issued_refresh_token(token)), None)

    def by_display_auth_code(self, code: str | None) -> BusinessAccount | None:
        """The account whose Display consent issued this auth code (even spent); None if none did."""
        if not code:
            return None
        return next((a for a in self._accounts if a.display_tokens.issued_auth_code(code)), None)
