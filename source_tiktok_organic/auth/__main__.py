"""``python -m source_tiktok_organic.auth``: the ``tiktok-organic-auth`` command."""

from source_tiktok_organic.auth.cli import main

main()
