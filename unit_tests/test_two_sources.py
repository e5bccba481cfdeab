"""Two sources with different credentials in one process share nothing: no token, no scope, no check.

PyAirbyte, the Connector Builder and these tests build several sources in one process. Each source
keeps its tokens and the scopes TikTok granted them in its own config, and a check's settings travel
only with the check's own thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteConnectionStatus, Status, Type

from source_tiktok_organic import tiktok_protocol
from source_tiktok_organic.components import ScopeNamingErrorHandler
from source_tiktok_organic.source import SourceTikTokOrganic
from testkit.catalogs import configured_catalog
from testkit.configs import make_config, with_live_token
from testkit.connector_output import ConnectorOutput
from testkit.tiktok_responses import envelope, token_body, user, video, videos_page

ALL_SCOPES = ",".join(tiktok_protocol.REQUIRED_SCOPES)


class Account:
    """One TikTok app and account behind its own host, so every request says whose it is."""

    def __init__(self, name: str, granted: str) -> None:
        self.host = f"https://{name}.tiktok.test"
        self.client_id = f"client-{name}"
        self.refresh_token = f"rft.{name}-first"
        self.rotated_refresh_token = f"rft.{name}-rotated"
        self.access_token = f"act.{name}"
        self.granted = granted

    def config(self) -> dict[str, Any]:
        config = make_config(api_base_url=self.host)
        config["credentials"].update(client_id=self.client_id, refresh_token=self.refresh_token)
        return config

    def config_after_consent(self) -> dict[str, Any]:
        return with_live_token(self.config(), self.access_token, scope=self.granted)

    def lacks(self, scope: str) -> bool:
        return scope not in self.granted.split(",")


def serve(requests_mock: Any, account: Account) -> None:
    def token(request: Any, context: Any) -> dict[str, Any]:
        return token_body(
            access_token=account.access_token,
            refresh_token=account.rotated_refresh_token,
            scope=account.granted,
        )

    def scoped(scope: str, body: dict[str, Any]) -> Callable[[Any, Any], dict[str, Any]]:
        def answer(request: Any, context: Any) -> dict[str, Any]:
            if account.lacks(scope):
                context.status_code = 401
                return envelope({}, "scope_not_authorized", "The user did not authorize the scope.")
            return body

        return answer

    requests_mock.post(f"{account.host}{tiktok_protocol.TOKEN_PATH}", json=token)
    requests_mock.get(
        f"{account.host}{tiktok_protocol.USER_INFO_PATH}",
        json=scoped("user.info.profile", envelope({"user": user()})),
    )
    requests_mock.post(
        f"{account.host}{tiktok_protocol.VIDEO_LIST_PATH}",
        json=scoped("video.list", videos_page([video(1, 1_700_000_000)], has_more=False)),
    )


@pytest.fixture
def two_accounts(requests_mock: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Account, Account]:
    """Account a is granted every scope, account b only user.info.basic.

    Each source's first API answer waits at a barrier until the other's has arrived too, so both
    hold a fresh token and are mid-command at the same moment. (The wait sits in the error handler,
    which reads every answer: TikTok's mocked answers are served under requests_mock's lock, and the
    CDK holds one lock over every token refresh, so neither can wait there.)
    """
    together = threading.Barrier(2, timeout=10)
    waited = threading.local()
    interpret_response = ScopeNamingErrorHandler.interpret_response

    def interpret_after_meeting(self: ScopeNamingErrorHandler, response: Any = None) -> Any:
        if not getattr(waited, "done", False):
            waited.done = True
            together.wait()
        return interpret_response(self, response)

    monkeypatch.setattr(ScopeNamingErrorHandler, "interpret_response", interpret_after_meeting)
    accounts = Account("a", ALL_SCOPES), Account("b", "user.info.basic")
    for account in accounts:
        serve(requests_mock, account)
    return accounts


def in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def assert_own_tokens_only(requests_mock: Any, *accounts: Account) -> None:
    for account in accounts:
        calls = [r for r in requests_mock.request_history if r.url.startswith(account.host)]
        api_calls = [r for r in calls if tiktok_protocol.TOKEN_PATH not in r.url]
        assert api_calls, f"{account.host} was never asked"
        assert {r.headers["Authorization"] for r in api_calls} == {f"Bearer {account.access_token}"}
        token_requests = [r for r in calls if tiktok_protocol.TOKEN_PATH in r.url]
        assert all(f"refresh_token={account.refresh_token}" in r.text for r in token_requests)


def test_two_checks_at_once_each_see_their_own_scopes(
    two_accounts: tuple[Account, Account], requests_mock: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    full, basic = two_accounts
    logger = logging.getLogger("two-sources")

    # What the Airbyte UI's OAuth flow stores: each source's live access token and its grant.
    configs = {account: account.config_after_consent() for account in two_accounts}
    sources = {account: SourceTikTokOrganic(config=configs[account]) for account in two_accounts}

    statuses: list[AirbyteConnectionStatus] = in_parallel(
        *(lambda a=account: sources[a].check(logger, configs[a]) for account in two_accounts)
    )

    assert statuses[0].status == Status.SUCCEEDED, statuses[0].message
    assert statuses[1].status == Status.FAILED
    assert (
        "missing the scope(s) user.info.profile, user.info.stats, video.list (granted: user.info.basic)"
        in (statuses[1].message or "")
    )
    assert_own_tokens_only(requests_mock, full, basic)
    assert not [r for r in requests_mock.request_history if tiktok_protocol.TOKEN_PATH in r.url]
    assert ConnectorOutput(capsys.readouterr().out, "").emitted_configs == [], "a check rotates nothing"


def test_two_syncs_at_once_name_only_their_own_missing_scopes(
    two_accounts: tuple[Account, Account], requests_mock: Any
) -> None:
    full, basic = two_accounts
    catalog = configured_catalog("user_info")
    logger = logging.getLogger("two-sources")

    def sync(account: Account) -> list[Any]:
        config = account.config()
        source = SourceTikTokOrganic(config=config, catalog=catalog)
        messages: list[Any] = []
        try:
            messages.extend(source.read(logger, config, catalog))
        except Exception as error:  # a failed stream fails the read once every stream has ended
            messages.append(error)
        return messages

    outputs = in_parallel(lambda: sync(full), lambda: sync(basic))

    records = [m for m in outputs[0] if getattr(m, "type", None) == Type.RECORD]
    assert [r.record.stream for r in records] == ["user_info"]
    failure = " ".join(
        m.trace.error.message for m in outputs[1] if getattr(m, "type", None) == Type.TRACE and m.trace.error
    ) + " ".join(str(e) for e in outputs[1] if isinstance(e, Exception))
    assert "missing the scope(s) user.info.profile, user.info.stats, video.list" in failure
    assert "(granted: user.info.basic)" in failure
    assert not [m for m in outputs[1] if getattr(m, "type", None) == Type.RECORD]
    assert_own_tokens_only(requests_mock, full, basic)
