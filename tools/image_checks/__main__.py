"""``python -m tools.image_checks``: run every step, print each check, exit 1 on the first failure."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

import tools.image_checks as image_checks
from tiktok_emulator import TikTokEmulator
from tools.container_engine import EngineError, ensure_engine
from tools.image_checks.commands import ConnectorCommands
from tools.image_checks.hand_runs import HandRuns
from tools.image_checks.harness import VIDEO_COUNT, CheckFailed
from tools.image_checks.image import ImageChecks


class ImageTest(ImageChecks, ConnectorCommands, HandRuns):
    """Every step, in the order ``main`` runs them."""


def main() -> int:
    argparse.ArgumentParser(
        prog="python -m tools.image_checks",
        description=image_checks.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args()
    # A CI timeout or Ctrl-C still removes the image and stops the child engine process.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    test: ImageTest | None = None
    try:
        engine = ensure_engine(lambda line: print(line, flush=True))
        with tempfile.TemporaryDirectory(prefix="tiktok-image-test-") as tmp:
            workdir = Path(tmp)
            workdir.chmod(0o755)  # readable by the container's non-root user
            test = ImageTest(engine, workdir)
            try:
                test.check_build_context()
                test.build()
                test.inspect()
                test.spec()
                # Rotation on, as TikTok does: each run must persist the new token for the next one.
                with TikTokEmulator(video_count=VIDEO_COUNT, rotate_refresh_tokens=True) as emulator:
                    print(f"\nTikTok emulator on {emulator.base_url} (container on the host network)")
                    config = emulator.connector_config()
                    test.secrets.update(
                        {config["credentials"]["client_secret"], config["credentials"]["refresh_token"]}
                    )
                    config = test.check(emulator, config)
                    config, catalog = test.discover(emulator, config)
                    config, state = test.read(emulator, config, catalog)
                    test.read_incremental(emulator, config, catalog, state)
                    test.hand_runs(emulator, catalog)
                    test.read_business(emulator)
            finally:
                test.cleanup()
    except (CheckFailed, EngineError, AssertionError) as failure:  # AssertionError: from testkit
        print(f"\nFAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    timings = test.timings if test else {}
    print(
        f"\nPASSED: image test in {time.monotonic() - started:.0f} s "
        f"(build {timings.get('build', 0):.0f} s, read {timings.get('read', 0):.1f} s, "
        f"image {timings.get('size_mb', 0):.0f} MB "
        f"of which {timings.get('layers_mb', 0):.0f} MB over the base)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
