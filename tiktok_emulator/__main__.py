"""``python -m tiktok_emulator``: serve the loopback TikTok emulator from the command line."""

import sys

from tiktok_emulator.cli import main

sys.exit(main())
