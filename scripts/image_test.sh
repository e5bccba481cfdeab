#!/usr/bin/env bash
# Builds the container image and runs spec, check, discover and read in it against the loopback
# TikTok emulator (see tools/image_checks.py for every check). Exits non-zero on failure.
# Uses Docker when an engine answers, else podman (set up by ../shared/tools/container-engine where
# that exists). Removes the image and its temporary files afterwards.
source "$(dirname "$0")/bootstrap.sh"   # .venv with the connector; cd to the repo root
exec python -m tools.image_checks "$@"
