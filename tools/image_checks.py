"""Build the connector's container image and prove it works the way Airbyte and users run it.

Run it through ``scripts/image_test.sh`` (which prepares .venv first), or from the repo root with the
connector's virtualenv: ``.venv/bin/python -m tools.image_checks``.

What it does, each step printed as it passes:

1. sets up an engine with ``tools.container_engine``: Docker (one that answers, or one the shared
   helper's ``docker-setup`` starts), podman only when no Docker engine can be had;
2. checks what the engine really sends as build context: ``.dockerignore`` must keep secrets,
   tests, the development packages (``testkit``, ``tools``, ``tiktok_emulator``), virtualenvs and
   caches out;
3. builds the Dockerfile under the fixed tag ``airbyte/source-tiktok-organic:dev`` and inspects
   the image: labels equal to ``metadata.yaml`` and ``pyproject.toml``, a non-root user (also as
   the engine runs it), ``ENTRYPOINT`` and ``AIRBYTE_ENTRYPOINT`` on the console script, no test
   tools nor the CDK dependencies the Dockerfile prunes inside, every module of the CDK's
   declarative framework importable, and its size;
4. runs ``spec``, ``check`` (good and bad credentials), ``discover`` and ``read`` in the container
   on the host network against the loopback TikTok emulator, with the config mounted read-only and
   the rotated refresh token carried from one run to the next as Airbyte does; the spec and the
   catalog must equal those of the installed package, and every record must equal what the
   emulator serves; when ``videos`` is incremental, a second ``read`` with the first one's state
   (and a revoked access token) must re-read only the newest videos and refresh the token; then
   ``check``, ``read``, ``check`` by hand on one config file in a mounted, writable folder, with the
   access token dying between runs: the connector must leave the file holding the live refresh
   token (rotated by the read, never spent by a check), with its mode; ``check`` never requests a
   token: with a refresh token only it passes saying what it could not prove, with a live access
   token it proves it, and a live token TikTok refuses fails it;
5. removes its temporary files and probe image, whatever happened; the image itself stays under
   its tag (labelled with a digest of its sources), so the PyAirbyte test runs it without building
   it again (``IMAGE_TEST_KEEP_IMAGE=0`` removes it too).

It exits 1 on the first failed check. Nothing is skipped: without a container engine it fails.
Connector output is read with ``testkit.connector_output``; every stdout line must be an Airbyte
message.

Environment: ``CONTAINER_ENGINE`` (``docker`` or ``podman``) forces an engine,
``IMAGE_TEST_BASE_IMAGE`` overrides the ``BASE_IMAGE`` build argument, ``IMAGE_TEST_KEEP_IMAGE=0``
removes the built image afterwards, and ``IMAGE_TEST_IMAGE=<tag>`` tests that image instead of
building one (for quick iterations only: it says so loudly; CI never sets it).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import tomllib
import yaml
from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalog,
    ConnectorSpecificationSerializer,
    Status,
    SyncMode,
)

from testkit.catalogs import BUSINESS_STREAMS, catalog_json, configure
from testkit.connector_output import ConnectorOutput
from testkit.console_script import CONSOLE_SCRIPT, console_script, run_console_script
from testkit.secrets import assert_no_secrets, config_secrets
from tiktok_emulator import USER_FIELD_SCOPES, VIDEO_FIELDS, TikTokEmulator
from tools.container_engine import IMAGE_TAG, Engine, EngineError, build_image, ensure_engine, tail

REPO_ROOT = Path(__file__).resolve().parent.parent
# An odd size: four full pages of 20 and a short last one.
VIDEO_COUNT = 95
# Where the config directory is mounted in the container (read-only, like Airbyte's).
CONTAINER_DATA_DIR = "/data"
# Top-level directories of the repository that must never reach the build context.
NEVER_IN_CONTEXT = (
    "secrets",
    "unit_tests",
    "integration_tests",
    "testkit",
    "tools",
    "tiktok_emulator",
    "scripts",
    ".git",
    ".venv",
    ".venv-pyairbyte",
)
# What the image must not be able to import: test tools, the repository's development packages, pip.
NEVER_IMPORTABLE = (
    "pytest",
    "requests_mock",
    "unit_tests",
    "integration_tests",
    "testkit",
    "tools",
    "tiktok_emulator",
    "pip",
    # Required by airbyte-cdk for its file-based sources, CLI and secret manager, pruned by the
    # Dockerfile: the declarative runtime never imports them (the probe below imports it all).
    "pandas",
    "numpy",
    "nltk",
    "grpc",
    "google",
    "rapidfuzz",
    "dateparser",
    "rich",
)
# The CDK packages the connector runs on: every module in them must import in the image.
RUNTIME_PACKAGES = ("airbyte_cdk.sources.declarative", "airbyte_cdk.sources.streams", "airbyte_cdk.utils")
# The connector's virtualenv is ~75 MB over the base image once the Dockerfile prunes what the CDK's
# declarative runtime never imports (it was ~240 MB); a regression that ships caches, build tools or
# the pruned packages shows up here.
MAX_CONNECTOR_LAYERS_MB = 120


class CheckFailed(Exception):
    pass


def ok(message: str) -> None:
    print(f"  ok  {message}", flush=True)


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def expect(condition: Any, message: str, detail: str = "") -> None:
    if not condition:
        raise CheckFailed(message + (f"\n{detail}" if detail else ""))
    ok(message)


# --------------------------------------------------------------------------------------------
# Airbyte protocol output
# --------------------------------------------------------------------------------------------


def protocol_output(
    command: str, result: subprocess.CompletedProcess[str], seconds: float
) -> ConnectorOutput:
    """Every stdout line must be one Airbyte message: the platform reads nothing else there."""
    output = ConnectorOutput(
        result.stdout, result.stderr, command=command, returncode=result.returncode, seconds=seconds
    )
    return strictly_protocol(output)


def strictly_protocol(output: ConnectorOutput) -> ConnectorOutput:
    if output.invalid_lines:
        number, line = output.invalid_lines[0]
        raise CheckFailed(
            f"{output.command}: stdout line {number} is not an Airbyte message: {line[:200]!r}\n"
            f"--- stderr:\n{tail(output.stderr)}"
        )
    return output


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


class ImageTest:
    def __init__(self, engine: Engine, workdir: Path) -> None:
        self.engine = engine
        self.workdir = workdir  # mounted read-only into the container
        self.tag = IMAGE_TAG
        self.images_to_remove: list[str] = []
        self.timings: dict[str, float] = {}
        self.pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
        self.metadata = yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text())["data"]
        try:
            console_script()  # the package installed next to this interpreter: the reference
        except FileNotFoundError as missing:
            raise CheckFailed(f"{missing} (run scripts/image_test.sh)") from None
        self.secrets: set[str] = set()

    # -- helpers ------------------------------------------------------------------------------
    def write_json(self, name: str, payload: Any) -> str:
        path = self.workdir / name
        path.write_text(json.dumps(payload, indent=2))
        path.chmod(0o644)  # the container's user is not the owner
        return f"{CONTAINER_DATA_DIR}/{name}"

    def container(
        self,
        args: Sequence[str],
        *,
        entrypoint: str | None = None,
        timeout: float = 300,
        mounts: Sequence[str] = (),
    ) -> ConnectorOutput:
        """Run the image with ``args``; ``mounts`` are more ``-v`` volumes than the workdir's."""
        options = ["run", "--rm", "--network=host", "-v", f"{self.workdir}:{CONTAINER_DATA_DIR}:ro"]
        for mount in mounts:
            options += ["-v", mount]
        if entrypoint:
            options += ["--entrypoint", entrypoint]
        started = time.monotonic()
        result = self.engine.run([*options, self.tag, *args], check=False, timeout=timeout)
        run = protocol_output(f"container {shlex.join(args)}", result, time.monotonic() - started)
        self.assert_no_secrets(run)
        return run

    def container_shell(self, script: str) -> subprocess.CompletedProcess[str]:
        return self.engine.run(["run", "--rm", "--entrypoint", "sh", self.tag, "-c", script], check=False)

    def package(self, args: Sequence[str]) -> ConnectorOutput:
        run = run_console_script([a.replace(CONTAINER_DATA_DIR, str(self.workdir)) for a in args])
        run.command = f"package {shlex.join(args)}"
        return strictly_protocol(run)

    def assert_no_secrets(self, run: ConnectorOutput) -> None:
        """No secret in any log, trace or stderr line; only CONNECTOR_CONFIG may carry them."""
        for config in run.emitted_configs:
            self.secrets |= config_secrets(config)
        try:
            assert_no_secrets(run.text_without_emitted_configs, self.secrets)
        except AssertionError as leak:
            raise CheckFailed(f"{run.command}: {leak}") from None

    def carry_forward(
        self, run: ConnectorOutput, config: dict[str, Any], emulator: TikTokEmulator
    ) -> dict[str, Any]:
        """What the platform does: keep the config of the last CONNECTOR_CONFIG message, if any.

        Either way, the refresh token kept must be the one TikTok still accepts: a rotation that
        was not reported would break the next sync.
        """
        kept = run.latest_config or config
        expect(
            kept["credentials"]["refresh_token"] == emulator.current_refresh_token,
            f"after {run.command.split(' --')[0]}, the refresh token the platform keeps is the valid one"
            f" ({'rotated, from CONNECTOR_CONFIG' if run.latest_config else 'unchanged, no refresh needed'})",
        )
        return kept

    # -- steps --------------------------------------------------------------------------------
    def check_build_context(self) -> None:
        section("build context (.dockerignore as the engine applies it)")
        probe_tag = f"localhost/source-tiktok-organic:context-probe-{os.getpid()}"
        dockerfile = self.workdir / "Dockerfile.context-probe"
        dockerfile.write_text(f"FROM {self.engine.base_image or 'python:3.11-slim'}\nCOPY . /context/\n")
        self.images_to_remove.append(probe_tag)
        self.engine.run(
            ["build", *self.engine.build_options, "-f", str(dockerfile), "-t", probe_tag, str(REPO_ROOT)]
        )
        listing = self.engine.run(
            [
                "run",
                "--rm",
                "--entrypoint",
                "find",
                probe_tag,
                "/context",
                "-mindepth",
                "1",
                "-not",
                "-type",
                "d",
            ]
        ).stdout.split()
        self._remove_image(probe_tag)
        sent = sorted(path.removeprefix("/context/") for path in listing)
        package_files = sorted(
            str(p.relative_to(REPO_ROOT))
            for p in (REPO_ROOT / "source_tiktok_organic").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
        )
        expected = sorted(["pyproject.toml", "README.md", *package_files])
        forbidden = [
            p
            for p in sent
            if p.split("/")[0] in NEVER_IN_CONTEXT
            or "__pycache__" in p
            or p.endswith((".pyc", ".egg-info"))
            or ".egg-info/" in p
        ]
        expect(
            not forbidden,
            "no secrets, tests, development packages, virtualenvs, git data or caches in the build context",
            f"sent: {forbidden}",
        )
        expect(
            sent == expected,
            f"the build context is exactly pyproject.toml, README.md and the package ({len(sent)} files)",
            f"sent:     {sent}\nexpected: {expected}",
        )

    def build(self) -> None:
        section(f"build ({self.engine.name})")
        existing = os.environ.get("IMAGE_TEST_IMAGE")
        if existing:
            print(f"  !!  NOT building: IMAGE_TEST_IMAGE={existing} is tested as it is", flush=True)
            self.tag = existing
            return
        if os.environ.get("IMAGE_TEST_KEEP_IMAGE") == "0":
            self.images_to_remove.append(self.tag)
        self.timings["build"] = build_image(self.engine, self.tag, lambda line: print(line, flush=True))
        ok(f"image {self.tag} built in {self.timings['build']:.0f} s")

    def inspect(self) -> None:
        section("image configuration")
        info = json.loads(self.engine.run(["image", "inspect", self.tag]).stdout)[0]
        config = info.get("Config") or {}
        labels = config.get("Labels") or {}
        version = self.pyproject["project"]["version"]
        expect(
            labels.get("io.airbyte.name") == self.metadata["dockerRepository"],
            f"LABEL io.airbyte.name = metadata dockerRepository ({labels.get('io.airbyte.name')})",
        )
        expect(
            labels.get("io.airbyte.version") == self.metadata["dockerImageTag"] == version,
            "LABEL io.airbyte.version = metadata dockerImageTag = pyproject version "
            f"({labels.get('io.airbyte.version')})",
            f"label {labels.get('io.airbyte.version')}, metadata {self.metadata['dockerImageTag']}, "
            f"pyproject {version}",
        )
        user = str(config.get("User") or "")
        expect(
            user not in ("", "0", "root") and not user.startswith(("0:", "root:")),
            f"runs as a non-root user ({user!r})",
        )
        entrypoint = config.get("Entrypoint") or []
        env = dict(item.split("=", 1) for item in config.get("Env") or [])
        expect(
            entrypoint and Path(entrypoint[0]).name == CONSOLE_SCRIPT and len(entrypoint) == 1,
            f"ENTRYPOINT is the console script ({entrypoint})",
        )
        expect(
            shlex.split(env.get("AIRBYTE_ENTRYPOINT", "")) == entrypoint,
            f"AIRBYTE_ENTRYPOINT equals ENTRYPOINT ({env.get('AIRBYTE_ENTRYPOINT')!r})",
        )
        size_mb = info.get("Size", 0) / 1e6
        base = self.engine.base_image or "python:3.11-slim"
        base_info = self.engine.run(["image", "inspect", base], check=False)
        base_mb = json.loads(base_info.stdout)[0].get("Size", 0) / 1e6 if base_info.returncode == 0 else 0.0
        self.timings["size_mb"] = size_mb
        self.timings["layers_mb"] = size_mb - base_mb
        expect(
            size_mb - base_mb < MAX_CONNECTOR_LAYERS_MB,
            f"image {size_mb:.0f} MB: {size_mb - base_mb:.0f} MB over the base image {base} "
            f"(bound {MAX_CONNECTOR_LAYERS_MB} MB)",
        )

        distribution = self.pyproject["project"]["name"]
        probe = self.container_shell(
            "id -u; "
            f"python -c 'import importlib.metadata as m; print(m.version(\"{distribution}\"))'; "
            "python -c 'import importlib.util as u; "
            f'print(",".join(n for n in {json.dumps(NEVER_IMPORTABLE)} if u.find_spec(n)) or "none")\'; '
            "test -w /opt/connector && echo writable || echo read-only; "
            'eval "$AIRBYTE_ENTRYPOINT spec" | grep -c \'"type": *"SPEC"\''
        )
        lines = probe.stdout.split()
        expect(
            probe.returncode == 0 and len(lines) == 5, "in-container probe ran", probe.stdout + probe.stderr
        )
        uid, installed, importable, code_dir, spec_count = lines
        expect(uid != "0", f"the container process has uid {uid} under {self.engine.name}")
        expect(installed == version, f"installed package version {installed} = pyproject version")
        expect(
            importable == "none",
            f"no test tools, tests, development packages or pip inside the image (importable: {importable})",
        )
        expect(code_dir == "read-only", "the installed code is read-only for the connector's user")
        expect(spec_count == "1", "`$AIRBYTE_ENTRYPOINT spec` (how Airbyte starts the image) answers a SPEC")
        self.runtime_imports()

    def runtime_imports(self) -> None:
        """The pruning in the Dockerfile left every module the connector can reach importable."""
        code = (
            "import importlib, pkgutil, sys\n"
            "failed, count = [], 0\n"
            f"for package in {list(RUNTIME_PACKAGES)!r}:\n"
            "    module = importlib.import_module(package)\n"
            "    names = [package] + [m.name for m in pkgutil.walk_packages("
            "getattr(module, '__path__', []), package + '.')]\n"
            "    for name in names:\n"
            "        count += 1\n"
            "        try: importlib.import_module(name)\n"
            "        except Exception as error: failed.append(f'{name}: {error!r}')\n"
            "import source_tiktok_organic.run, source_tiktok_organic.source\n"
            "print(count); print('\\n'.join(failed))\n"
        )
        run = self.engine.run(["run", "--rm", "--entrypoint", "python", self.tag, "-c", code], check=False)
        lines = run.stdout.strip().splitlines()
        expect(
            run.returncode == 0 and len(lines) == 1,
            f"every module of {', '.join(RUNTIME_PACKAGES)} and the connector imports in the image "
            f"({lines[0] if lines else 0} modules)",
            run.stdout[-3000:] + tail(run.stderr),
        )

    def spec(self) -> None:
        section("spec")
        run = self.container(["spec"])
        expect(run.returncode == 0, f"spec exits 0 ({run.seconds:.1f} s)", run.transcript())
        image_spec = run.spec
        package_spec = self.package(["spec"]).spec
        expect(
            image_spec == package_spec,
            "the spec in the image equals the spec of the package",
            json.dumps(ConnectorSpecificationSerializer.dump(image_spec))[:500]
            + "\n!=\n"
            + json.dumps(ConnectorSpecificationSerializer.dump(package_spec))[:500],
        )
        credentials = image_spec.connectionSpecification["properties"]["credentials"]["oneOf"]
        secret_fields = {
            k for option in credentials for k, v in option["properties"].items() if v.get("airbyte_secret")
        }
        expect(
            {"client_secret", "app_secret", "refresh_token"} <= secret_fields,
            f"secret fields are marked airbyte_secret ({sorted(secret_fields)})",
        )

    def check(self, emulator: TikTokEmulator, config: dict[str, Any]) -> dict[str, Any]:
        """A check never spends the refresh token (TikTok's work once, and the platform drops what a
        new source's check emits): with a live access token it proves it, with none it says what it
        could not prove, and a live token TikTok refuses fails it."""
        section("check")
        run = self.container(["check", "--config", self.write_json("config.json", config)])
        status = run.connection_status
        expect(
            run.returncode == 0
            and status.status == Status.SUCCEEDED
            and "were not sent to TikTok" in (status.message or ""),
            "check with a refresh token only: SUCCEEDED, saying the credentials were not sent to TikTok",
            run.transcript(),
        )
        expect(
            not run.emitted_configs
            and emulator.current_refresh_token == config["credentials"]["refresh_token"],
            "that check spent no refresh token and emitted no CONNECTOR_CONFIG",
            run.transcript(),
        )

        # What the Airbyte UI's OAuth flow stores beside the refresh token.
        live = json.loads(json.dumps(config))
        live["credentials"].update(
            access_token=emulator.issue_access_token(),
            token_expiry_date=_rfc3339(int(time.time()) + 7200),
            granted_scopes=",".join(emulator.granted_scopes),
        )
        self.secrets.add(live["credentials"]["access_token"])
        emulator.reset_counters()
        run = self.container(["check", "--config", self.write_json("live_config.json", live)])
        status = run.connection_status
        expect(
            run.returncode == 0 and status.status == Status.SUCCEEDED and not status.message,
            f"check with a live access token: SUCCEEDED, proved with TikTok ({run.seconds or 0:.1f} s)",
            run.transcript(),
        )
        token_requests = emulator.requests_by_endpoint.get("/v2/oauth/token/", 0)
        expect(
            token_requests == 0 and not run.emitted_configs,
            f"that check made {token_requests} token requests and emitted no CONNECTOR_CONFIG",
            run.transcript(),
        )

        emulator.invalidate_access_tokens()  # revoked before its stored expiry
        run = self.container(["check", "--config", self.write_json("refused_config.json", live)])
        status = run.connection_status
        expect(
            status.status == Status.FAILED
            and "TikTok refused the stored access token" in (status.message or ""),
            "check with an access token TikTok refuses: FAILED, saying so, without refreshing",
            run.transcript(),
        )
        expect(emulator.current_refresh_token == config["credentials"]["refresh_token"], "still no refresh")
        return config

    def discover(
        self, emulator: TikTokEmulator, config: dict[str, Any]
    ) -> tuple[dict[str, Any], AirbyteCatalog]:
        section("discover")
        config_path = self.write_json("config.json", config)
        run = self.container(["discover", "--config", config_path])
        expect(run.returncode == 0, f"discover exits 0 ({run.seconds or 0:.1f} s)", run.transcript())
        catalog = run.catalog
        streams = {s.name: s for s in catalog.streams}
        expect({"user_info", "videos"} <= set(streams), f"streams: {sorted(streams)}")
        expect(
            streams["user_info"].source_defined_primary_key == [["open_id"]]
            and streams["videos"].source_defined_primary_key == [["id"]],
            "primary keys: user_info open_id, videos id",
        )
        expect(
            set(VIDEO_FIELDS) <= set(streams["videos"].json_schema["properties"])
            and set(USER_FIELD_SCOPES) <= set(streams["user_info"].json_schema["properties"]),
            "the schemas declare every TikTok field (15 video, 14 user)",
        )
        config = self.carry_forward(run, config, emulator)
        package_run = self.package(["discover", "--config", self.write_json("config.json", config)])
        config = self.carry_forward(package_run, config, emulator)
        expect(package_run.catalog == catalog, "the catalog in the image equals the catalog of the package")
        return config, catalog

    @staticmethod
    def configured_catalog(catalog: AirbyteCatalog) -> tuple[ConfiguredAirbyteCatalog, bool]:
        """user_info in full refresh; videos incremental when the catalog offers it."""
        configured = configure(catalog, incremental=True)
        # The streams of a creator account (Login Kit); the business streams need a business config.
        configured.streams = [s for s in configured.streams if s.stream.name in ("user_info", "videos")]
        return configured, any(s.sync_mode == SyncMode.incremental for s in configured.streams)

    def read_records(self, args: Sequence[str]) -> tuple[ConnectorOutput, dict[str, list[dict[str, Any]]]]:
        run = self.container(["read", *args])
        expect(
            run.returncode == 0 and not run.errors,
            f"read exits 0 without error traces ({run.seconds or 0:.1f} s)",
            run.transcript(),
        )
        records = {stream: run.records(stream) for stream in ("user_info", "videos")}
        last_statuses = {s: (run.stream_statuses(s) or [None])[-1] for s in ("user_info", "videos")}
        expect(
            all(status == AirbyteStreamStatus.COMPLETE for status in last_statuses.values()),
            f"both streams end COMPLETE ({ {k: v.value if v else None for k, v in last_statuses.items()} })",
        )
        return run, records

    def read(
        self, emulator: TikTokEmulator, config: dict[str, Any], catalog: AirbyteCatalog
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        configured, incremental = self.configured_catalog(catalog)
        section(
            f"read ({VIDEO_COUNT} videos; "
            f"videos {'incremental, first sync' if incremental else 'full refresh'})"
        )
        catalog_path = self.write_json("configured_catalog.json", catalog_json(configured))
        run, records = self.read_records(
            ["--config", self.write_json("config.json", config), "--catalog", catalog_path]
        )
        self.timings["read"] = run.seconds or 0.0
        expect(len(records["user_info"]) == 1, f"user_info: {len(records['user_info'])} record")
        user = records["user_info"][0]
        mismatched = [f for f in USER_FIELD_SCOPES if user.get(f) != emulator.user.get(f)]
        expect(
            not mismatched,
            f"user_info record equals the emulated account (display_name {user.get('display_name')!r}, "
            f"follower_count {user.get('follower_count')})",
            f"mismatched fields: {mismatched}",
        )

        videos = records["videos"]
        expect(len(videos) == VIDEO_COUNT, f"videos: {len(videos)} records, every video")
        expected = {v["id"]: v for v in emulator.videos}
        ids = [v.get("id") for v in videos]
        expect(
            all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids) and set(ids) == set(expected),
            "video ids are strings, unique, and exactly the emulator's (ids above 2^53 intact)",
        )
        mismatched = sorted({f for v in videos for f in VIDEO_FIELDS if v.get(f) != expected[v["id"]].get(f)})
        expect(
            not mismatched,
            f"every video field equals what TikTok served ({len(VIDEO_FIELDS)} fields x {len(videos)})",
            f"mismatched fields: {mismatched}",
        )
        if any("created_at" in v for v in videos):
            wrong = [v["id"] for v in videos if v.get("created_at") != _rfc3339(v["create_time"])]
            expect(not wrong, "created_at is create_time as RFC 3339 UTC", f"wrong for {wrong[:3]}")

        config = self.carry_forward(run, config, emulator)
        if incremental:
            video_states = [s for s in run.states if s.stream and s.stream.stream_descriptor.name == "videos"]
            expect(video_states, f"read emits STATE for videos ({len(video_states)} messages)")
        return config, run.final_state  # the last state of each stream is what the platform keeps

    def read_incremental(
        self,
        emulator: TikTokEmulator,
        config: dict[str, Any],
        catalog: AirbyteCatalog,
        state: list[dict[str, Any]],
    ) -> None:
        configured, incremental = self.configured_catalog(catalog)
        if not incremental:
            print(
                "  --  videos offers no incremental sync in the catalog: no second, incremental read",
                flush=True,
            )
            return
        section("read again with the state of the first sync (incremental), access token revoked")
        emulator.invalidate_access_tokens()
        run, records = self.read_records(
            [
                "--config",
                self.write_json("config.json", config),
                "--catalog",
                self.write_json("configured_catalog.json", catalog_json(configured)),
                "--state",
                self.write_json("state.json", state),
            ]
        )
        videos = records["videos"]
        oldest = min((v["create_time"] for v in videos), default=None)
        newer = {v["id"] for v in emulator.videos if oldest is not None and v["create_time"] >= oldest}
        expect(
            0 < len(videos) < VIDEO_COUNT and {v["id"] for v in videos} == newer,
            f"the state is honoured: {len(videos)} of {VIDEO_COUNT} videos re-read, "
            "the newest ones (lookback)",
            f"ids read: {sorted(v['id'] for v in videos)[:10]}",
        )
        expect(run.latest_config, "the revoked access token was refreshed: CONNECTOR_CONFIG emitted")
        self.carry_forward(run, config, emulator)
        expect(
            bool(self.secrets),
            f"no secret in any log, trace or stderr line ({len(self.secrets)} secrets watched)",
        )

    def hand_runs(self, emulator: TikTokEmulator, catalog: AirbyteCatalog) -> None:
        """``docker run -v <folder>:/secrets ... --config /secrets/config.json`` by hand, three times:
        nobody saves the CONNECTOR_CONFIG message, so the connector must write the rotated config
        back to the mounted file (its folder writable by the image's user, uid 1000)."""
        section("check, read, check by hand on one config file in a mounted folder")
        folder = self.workdir / "hand"
        folder.mkdir()
        folder.chmod(0o777)  # writable by the image's user, whoever owns it here
        config_file = folder / "config.json"
        config_file.write_text(json.dumps(emulator.connector_config(), indent=2))
        config_file.chmod(0o666)
        catalog_path = self.write_json("hand_catalog.json", catalog_json(self.configured_catalog(catalog)[0]))
        mount = f"{folder}:/secrets"
        for command in (["check"], ["read", "--catalog", catalog_path], ["check"]):
            before = json.loads(config_file.read_text())["credentials"]["refresh_token"]
            emulator.invalidate_access_tokens()  # two hours later: the access token in the file is dead
            run = self.container([*command, "--config", "/secrets/config.json"], mounts=[mount])
            expect(
                run.returncode == 0 and not run.errors,
                f"{command[0]} by hand exits 0 without error traces",
                run.transcript(),
            )
            saved = json.loads(config_file.read_text())["credentials"]["refresh_token"]
            # Only a read spends the refresh token; a check leaves it as it was.
            rotated = command[0] == "read"
            expect(
                saved == emulator.current_refresh_token and (saved != before) == rotated,
                f"after {command[0]}, the mounted file holds the refresh token TikTok accepts"
                f" ({'rotated by the read' if rotated else 'unspent by the check'})",
                run.transcript(),
            )
            mode = stat.S_IMODE(config_file.stat().st_mode)
            expect(mode == 0o666, f"the mounted file keeps its mode ({mode:o})")

    # -- cleanup ------------------------------------------------------------------------------
    def read_business(self, emulator: TikTokEmulator) -> None:
        """Business mode in the container: discover offers the Accounts API streams, a read of
        every one of them succeeds, every video arrives once and the rotated token comes back."""
        section("business mode (API for Business): discover and read every stream")
        config = emulator.business_connector_config()
        self.secrets.update({config["credentials"]["app_secret"], config["credentials"]["refresh_token"]})
        config_path = self.write_json("business_config.json", config)
        discovered = self.container(["discover", "--config", config_path]).catalog
        streams = {s.name for s in discovered.streams}
        expect(set(BUSINESS_STREAMS) == streams, f"discover offers the {len(streams)} business streams")
        catalog_path = self.write_json("business_catalog.json", catalog_json(configure(discovered)))
        run = self.container(["read", "--config", config_path, "--catalog", catalog_path])
        expect(
            run.returncode == 0 and not run.errors, "business read exits 0 without errors", run.transcript()
        )
        counts = {name: len(run.records(name)) for name in BUSINESS_STREAMS}
        expect(all(counts.values()), f"every business stream has records ({counts})")
        ids = [r["item_id"] for r in run.records("business_videos")]
        expect(sorted(ids) == sorted(v["id"] for v in emulator.videos), "business_videos: every video once")
        latest = run.latest_config or {}
        expect(
            latest.get("credentials", {}).get("refresh_token") == emulator.current_business_refresh_token,
            "the rotated business refresh token is emitted for the platform to save",
        )
        self.assert_no_secrets(run)

    def _remove_image(self, tag: str) -> None:
        if tag in self.images_to_remove:
            self.engine.run(["rmi", "--force", tag], check=False)
            self.images_to_remove.remove(tag)

    def cleanup(self) -> None:
        for tag in list(self.images_to_remove):
            self._remove_image(tag)
        if self.tag == IMAGE_TAG and IMAGE_TAG not in self.images_to_remove:
            print(f"\nThe image stays as {IMAGE_TAG} (IMAGE_TEST_KEEP_IMAGE=0 removes it).", flush=True)


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> int:
    argparse.ArgumentParser(
        prog="python -m tools.image_checks",
        description=__doc__,
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
