#!/usr/bin/env bash
# Builds the container image and runs spec, check, discover and read in it against the loopback
# TikTok emulator (see tools/image_checks/ for every check). Exits non-zero on failure.
# Sets up the engine itself (tools/container_engine.py): Docker, started by the shared helper's
# docker-setup where none answers (quick when already running); podman only if that fails.
# Leaves the image as airbyte/source-tiktok-organic:dev for the PyAirbyte test
# (IMAGE_TEST_KEEP_IMAGE=0 removes it); removes its temporary files.
source "$(dirname "$0")/bootstrap.sh"   # .venv with the connector; cd to the repo root
exec python -m tools.image_checks "$@"
