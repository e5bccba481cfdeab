"""The container engine and the connector's image, shared by the image test and the PyAirbyte test.

``ensure_engine()`` finds or sets up an engine, Docker first, the way Airbyte runs connectors:

1. a Docker engine that already answers ``docker info``;
2. else ``../shared/tools/container-engine docker-setup`` where that helper exists (it installs and
   starts dockerd, with a local stand-in of ``python:3.11-slim`` loaded, on machines without a
   registry; idempotent, under a second when already done). Before it, where the kernel mounts
   overlayfs, dockerd is started here with the ``overlay2`` storage driver, Docker's default on a
   user's machine: the helper's ``vfs`` copies the whole image (352 MB) for every container, 12 s a
   ``docker run`` on the 2-core machine against 0.3 s, and every layer of a build;
3. only if that fails: podman, through the helper's ``setup``, or a podman already installed.

``CONTAINER_ENGINE=docker`` or ``podman`` forces one. Builds and containers use the host network
(dockerd runs here without a bridge; the emulator listens on 127.0.0.1).

The image is built once under the fixed tag ``IMAGE_TAG``, labelled with a digest of what goes into
it (Dockerfile, build context, base image); ``ensure_image()`` reuses an image whose label matches
and builds otherwise, so the PyAirbyte test runs the image the image test built, with no second build.

``python -m tools.container_engine setup`` sets up an engine and prints which one is ready.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# The one place that knows where the shared helper lives.
CONTAINER_ENGINE_HELPER = REPO_ROOT.parent / "shared" / "tools" / "container-engine"
# dockerd on overlay2 (see the docstring): its own data root, beside the helper's vfs one; its pid
# where the helper's docker-stop looks for it, its log where the helper writes its own.
OVERLAY_DATA_ROOT = Path("/var/lib/docker-overlay2")
DOCKERD_PIDFILE = Path("/tmp/dockerd.pid")
DOCKERD_LOG = Path("/tmp/dockerd.log")
# The stand-in for python:3.11-slim that the helper builds from Debian's packages (podman).
LOCAL_BASE_IMAGE = "localhost/python-base:3.11"
# Where the image test leaves the image it built and where the PyAirbyte test looks for it
# (airbyte-ci's convention for a locally built connector).
IMAGE_TAG = "airbyte/source-tiktok-organic:dev"
# What the build reads from the repository: the Dockerfile, and the allow-list in .dockerignore.
BUILD_INPUTS = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "source_tiktok_organic")
DIGEST_LABEL = "source-tiktok-organic.build-inputs-sha256"
# In the history of every build-stage image of this repository's Dockerfile.
BUILD_STAGE_MARK = "/opt/connector/bin/pip install"


class EngineError(Exception):
    pass


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@dataclass
class Engine:
    name: str  # docker or podman
    command: list[str]  # how to call it
    build_options: list[str] = field(default_factory=list)
    base_image: str | None = None  # BASE_IMAGE build argument; None keeps the Dockerfile's default

    def run(
        self, args: Sequence[str], *, check: bool = True, timeout: float = 900, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self.command, *args], capture_output=True, text=True, timeout=timeout, **kwargs
        )
        if check and result.returncode != 0:
            raise EngineError(
                f"`{self.name} {shlex.join(args)}` exited {result.returncode}:\n"
                f"{tail(result.stdout)}\n{tail(result.stderr)}"
            )
        return result

    def image_label(self, tag: str, label: str) -> str | None:
        """The label's value, or None when the image does not exist."""
        result = self.run(["image", "inspect", tag], check=False, timeout=60)
        if result.returncode != 0:
            return None
        labels = (json.loads(result.stdout)[0].get("Config") or {}).get("Labels") or {}
        return str(labels.get(label, ""))

    def image_id(self, tag: str) -> str | None:
        result = self.run(["image", "inspect", "--format", "{{.Id}}", tag], check=False, timeout=60)
        return result.stdout.strip() if result.returncode == 0 else None


def _answers(command: Sequence[str]) -> bool:
    try:
        return subprocess.run(list(command), capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _helper(action: str, log: Callable[[str], None]) -> bool:
    if not CONTAINER_ENGINE_HELPER.is_file():
        return False
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(CONTAINER_ENGINE_HELPER), action], capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        log(f"{CONTAINER_ENGINE_HELPER} {action} failed:\n{tail(result.stdout)}\n{tail(result.stderr)}")
        return False
    seconds = time.monotonic() - started
    log(f"{result.stdout.strip()} ({CONTAINER_ENGINE_HELPER.name} {action}, {seconds:.0f} s)")
    return True


def _start_dockerd_on_overlay(log: Callable[[str], None]) -> bool:
    """Start dockerd as the helper does (no bridge, no iptables), but on overlay2; False where it
    cannot run here (no dockerd yet, not root, or a kernel without overlayfs), the helper then
    starting its own on vfs."""
    if shutil.which("dockerd") is None:
        _helper("setup", log)  # a fresh machine: installs it
        if shutil.which("dockerd") is None:
            return False
    started = time.monotonic()
    OVERLAY_DATA_ROOT.mkdir(parents=True, exist_ok=True)
    command = ["dockerd", "--storage-driver=overlay2", f"--data-root={OVERLAY_DATA_ROOT}"]
    command += ["--iptables=false", "--ip6tables=false", "--bridge=none"]
    with DOCKERD_LOG.open("ab") as daemon_log:
        daemon = subprocess.Popen(command, stdout=daemon_log, stderr=daemon_log, start_new_session=True)
    while time.monotonic() - started < 60 and daemon.poll() is None:
        if _answers(["docker", "info"]):
            DOCKERD_PIDFILE.write_text(f"{daemon.pid}\n")
            log(f"dockerd started on the overlay2 storage driver ({time.monotonic() - started:.0f} s)")
            return True
        time.sleep(0.5)
    daemon.kill()
    log(f"dockerd did not start on overlay2 (see {DOCKERD_LOG}); the helper starts it on vfs")
    return False


def ensure_engine(log: Callable[[str], None] = print) -> Engine:
    """Docker if one answers or docker-setup starts one; podman only as the fallback."""
    forced = os.environ.get("CONTAINER_ENGINE", "").strip()
    if forced not in ("", "docker", "podman"):
        raise EngineError(f"CONTAINER_ENGINE must be docker or podman, not {forced!r}")
    base_image = os.environ.get("IMAGE_TEST_BASE_IMAGE")
    if forced in ("", "docker"):
        docker_up = shutil.which("docker") is not None and _answers(["docker", "info"])
        if not docker_up and CONTAINER_ENGINE_HELPER.is_file():
            _start_dockerd_on_overlay(log)
        # The helper loads its stand-in of the base image into whichever dockerd answers.
        if not docker_up and _helper("docker-setup", log):
            docker_up = _answers(["docker", "info"])
        if docker_up:
            driver = subprocess.run(
                ["docker", "info", "--format", "{{.Driver}}"], capture_output=True, text=True, timeout=60
            ).stdout.strip()
            log(f"docker engine: storage driver {driver or 'unknown'}")
            return Engine("docker", ["docker"], ["--network=host"], base_image)
        if forced == "docker":
            raise EngineError("CONTAINER_ENGINE=docker but no Docker engine answers `docker info`.")
        log("No Docker engine could be started; falling back to podman.")
    if _helper("setup", log):
        # pip inside the build reaches the package index the way this machine does.
        options = ["--network=host", "--layers=false", "-v", "/etc/ssl/certs:/etc/ssl/certs:ro"]
        if Path("/etc/pip.conf").is_file():
            options += ["-v", "/etc/pip.conf:/etc/pip.conf:ro"]
        command = ["bash", str(CONTAINER_ENGINE_HELPER), "podman"]
        return Engine("podman", command, options, base_image or LOCAL_BASE_IMAGE)
    if shutil.which("podman"):
        return Engine("podman", ["podman"], ["--network=host", "--layers=false"], base_image)
    raise EngineError(
        "No container engine: no Docker engine answers `docker info`, podman is not installed, and "
        f"{CONTAINER_ENGINE_HELPER} could not set one up. Install Docker or podman."
    )


def docker_cli(engine: Engine, directory: Path) -> Path | None:
    """A directory to put first on PATH so that ``docker`` runs this engine (PyAirbyte calls the
    ``docker`` command). None when the engine is Docker itself."""
    if engine.name == "docker":
        return None
    shim = directory / "docker"
    shim.write_text(f'#!/bin/sh\nexec {shlex.join(engine.command)} "$@"\n')
    shim.chmod(0o755)
    return directory


# --------------------------------------------------------------------------------------------
# The image
# --------------------------------------------------------------------------------------------


def build_inputs_digest(engine: Engine) -> str:
    """sha256 of everything the image is built from: a changed file means the image is stale."""
    digest = hashlib.sha256(f"base={engine.base_image or 'default'}\n".encode())
    for name in BUILD_INPUTS:
        path = REPO_ROOT / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if not file.is_file() or "__pycache__" in file.parts or file.suffix in (".pyc", ".pyo"):
                continue
            digest.update(f"{file.relative_to(REPO_ROOT).as_posix()}\n".encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def build_image(engine: Engine, tag: str = IMAGE_TAG, log: Callable[[str], None] = print) -> float:
    """Build the Dockerfile under ``tag``; returns the seconds it took. The image it replaces is
    removed, so rebuilding never leaves untagged images behind."""
    previous = engine.image_id(tag)
    dangling_before = set(_dangling(engine))
    args = ["build", *engine.build_options, "--label", f"{DIGEST_LABEL}={build_inputs_digest(engine)}"]
    args += ["-t", tag]
    if engine.base_image:
        args += ["--build-arg", f"BASE_IMAGE={engine.base_image}"]
    log(f"  {engine.name} {shlex.join(args)} {REPO_ROOT}")
    started = time.monotonic()
    built = engine.run([*args, str(REPO_ROOT)], timeout=3600)
    seconds = time.monotonic() - started
    if previous and previous != engine.image_id(tag):
        engine.run(["rmi", previous], check=False, timeout=300)  # still used by a container: kept
    # Docker's classic builder keeps each build's last build-stage image, untagged, as its cache;
    # under vfs each costs gigabytes. Keep the one this build used (the next build starts from it),
    # drop older ones.
    for image in dangling_before:
        if image.removeprefix("sha256:")[:12] in built.stdout:
            continue
        history = engine.run(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image], check=False)
        if BUILD_STAGE_MARK in history.stdout:
            engine.run(["rmi", image], check=False, timeout=300)
    return seconds


def _dangling(engine: Engine) -> list[str]:
    result = engine.run(["images", "--filter", "dangling=true", "--quiet", "--no-trunc"], check=False)
    return result.stdout.split() if result.returncode == 0 else []


def image_is_current(engine: Engine, tag: str = IMAGE_TAG) -> bool:
    return engine.image_label(tag, DIGEST_LABEL) == build_inputs_digest(engine)


def ensure_image(engine: Engine, tag: str = IMAGE_TAG, log: Callable[[str], None] = print) -> str:
    """The image under ``tag``, built from the current sources: reused when it is, built otherwise.
    Returns what happened, for the caller's log."""
    if image_is_current(engine, tag):
        return f"reused {tag} (built from the current sources)"
    return f"built {tag} in {build_image(engine, tag, log):.0f} s"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.container_engine", description=__doc__)
    parser.add_argument("action", choices=["setup", "image"], help="set up an engine, or also the image")
    args = parser.parse_args()
    try:
        engine = ensure_engine(lambda message: print(message, file=sys.stderr, flush=True))
        print(f"container engine: {engine.name}", flush=True)
        if args.action == "image":
            print(ensure_image(engine), flush=True)
    except (EngineError, subprocess.TimeoutExpired) as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
