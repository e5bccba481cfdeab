"""The ``tiktok-organic-auth`` command line: its arguments, and ``main`` (the console script).

``main`` checks that the account options (``--add-account``, ``--label``, ``--account``, for either
API) come where they mean something, picks the flow (``display``, ``business`` or ``revoke``) and
turns every failure into one redacted line on stderr and an exit code (``common``); nothing else
imports this module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from source_tiktok_organic import tiktok_protocol as tiktok
from source_tiktok_organic.auth import business, display, revoke
from source_tiktok_organic.auth.common import EXIT_ERROR, EXIT_INTERRUPTED, AuthError, Redactor, Terminal
from source_tiktok_organic.auth.config_file import DEFAULT_OUTPUT
from source_tiktok_organic.auth.consent import DEFAULT_REDIRECT_URI
from source_tiktok_organic.business_protocol import BUSINESS_API_BASE_URL

DEFAULT_TIMEOUT_SECONDS = 300.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tiktok-organic-auth",
        description=(
            "Authorise your TikTok account for the TikTok Organic connector: opens TikTok's consent "
            "page, receives the redirect, exchanges the code and writes the connector config "
            "(mode 0600) with the first refresh token. Secrets are never printed."
        ),
    )
    parser.add_argument(
        "--client-key", help="Client key of your TikTok app (default: $TIKTOK_CLIENT_KEY, else asked)"
    )
    parser.add_argument(
        "--client-secret",
        help="Client secret of your TikTok app (default: $TIKTOK_CLIENT_SECRET, else asked without echo; "
        "prefer those: command-line arguments are visible to other local users)",
    )
    parser.add_argument(
        "--redirect-uri",
        help="redirect URI registered in your TikTok app. http://127.0.0.1:<port>/... or "
        "http://localhost:<port>/... "
        "(desktop apps): this command listens on 127.0.0.1 there. https://... (web apps): you paste the URL "
        f"TikTok redirects to. Default: {DEFAULT_REDIRECT_URI}; with --business, required (https)",
    )
    parser.add_argument(
        "--scopes",
        help=f"comma-separated scopes to request (default: {','.join(tiktok.REQUIRED_SCOPES)}; "
        "with --business the eight the business streams need)",
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help=f"config file to write, mode 0600; its other keys are kept (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--api-base-url",
        default=tiktok.API_BASE_URL,
        help="host of TikTok's token endpoint; written to the config when not the default "
        f"(default: {tiktok.API_BASE_URL})",
    )
    parser.add_argument(
        "--authorize-url",
        default=tiktok.AUTHORIZE_URL,
        help=f"TikTok's consent page (default: {tiktok.AUTHORIZE_URL})",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="only print the authorisation URL; do not open a browser"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="seconds to wait for the redirect on the local listener "
        f"(default: {DEFAULT_TIMEOUT_SECONDS:.0f})",
    )
    parser.add_argument(
        "--revoke",
        action="store_true",
        help="end the authorisation of the config in --output (of one of its accounts: --account) at "
        "TikTok instead of minting one (Display API: refreshes its token, revokes, then confirms)",
    )
    group = parser.add_argument_group("TikTok API for Business (Accounts API)")
    group.add_argument(
        "--business",
        action="store_true",
        help="authorise for the API for Business (business_oauth2.0 credentials) instead of the Display API",
    )
    group.add_argument(
        "--mentions",
        action="store_true",
        help="with --business: also ask for the Mentions API's scope (biz.brand.insights, unverified) and "
        "turn include_mentions on in the config; your app needs TikTok's Mentions permissions",
    )
    group.add_argument("--app-id", help="App ID of your business app (default: $TIKTOK_APP_ID, else asked)")
    group.add_argument(
        "--app-secret",
        help="Secret of your business app (default: $TIKTOK_APP_SECRET, else asked without echo)",
    )
    group.add_argument(
        "--business-api-base-url",
        default=BUSINESS_API_BASE_URL,
        help=f"host of its token endpoints; written to the config when not {BUSINESS_API_BASE_URL}",
    )
    group = parser.add_argument_group(
        "Several TikTok accounts in one config (either API; with --business, business accounts)",
        "A config's first account is its credentials' own fields; credentials.accounts holds the other "
        "accounts of the same app. Whichever account consents, if the config already holds its open_id, "
        "its tokens are replaced in place: the re-consent of any account is the plain command "
        "(tiktok-organic-auth, or tiktok-organic-auth --business), signed in as it.",
    )
    group.add_argument(
        "--add-account",
        action="store_true",
        help="add the consenting account to credentials.accounts of the config in --output instead of "
        "replacing its first account; the config must hold credentials of the same API (Display, or "
        "business with --business), and the account is authorised for the same app at the same base URL",
    )
    group.add_argument(
        "--label",
        metavar="NAME",
        help="a name for the consenting account, written as its label (credentials.label for the first "
        "account) and unique in the config; --account accepts it",
    )
    group.add_argument(
        "--account",
        metavar="LABEL_OR_OPEN_ID",
        help="with --revoke (and --business for a business config): the account to revoke, by open_id or "
        "label; required when the config holds several. It is removed from the config (revoking the "
        "first account promotes the next). TikTok's open_ids start with '-': write --account=-000...",
    )
    return parser


def check_options(args: argparse.Namespace) -> None:
    """Refuse the account options where they mean nothing, rather than ignore them."""
    if args.label is not None and not args.label.strip():
        raise AuthError("--label is empty; give the account a name (or leave --label out).")
    args.label = args.label.strip() if args.label else None
    if args.mentions and (not args.business or args.revoke):
        raise AuthError("--mentions asks for the Mentions API's scope: use it with --business, to authorise.")
    if args.revoke and (args.add_account or args.label):
        raise AuthError("--add-account and --label authorise an account; --revoke takes --account instead.")
    if args.account is not None and not args.revoke:
        again = "tiktok-organic-auth --business" if args.business else "tiktok-organic-auth"
        raise AuthError(
            f"--account names the account to revoke (with --revoke); to re-authorise an account, run "
            f"{again} signed in as it: the account with its open_id is updated in place."
        )


def main(argv: Sequence[str] | None = None, terminal: Terminal | None = None) -> int:
    """Console entry point; returns (and, run as a script, exits with) the exit code."""
    term = terminal or Terminal()
    args = build_parser().parse_args(argv)
    redact = Redactor()
    redact.add(args.client_secret, args.app_secret)
    try:
        check_options(args)
        if args.business:
            code = (revoke.revoke_business if args.revoke else business.mint)(args, term, redact)
        elif args.revoke:
            code = revoke.revoke_display(args, term, redact)
        else:
            code = display.mint(args, term, redact)
    except AuthError as error:
        term.stderr.write(f"error: {redact(str(error))}\n")
        code = error.exit_code
    except KeyboardInterrupt:
        term.stderr.write("\nInterrupted; nothing was written.\n")
        code = EXIT_INTERRUPTED
    except Exception as error:  # a bug: still one line, still redacted, never a traceback
        term.stderr.write(f"error: unexpected {type(error).__name__}: {redact(str(error))}\n")
        code = EXIT_ERROR
    if terminal is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
