"""Build the connector's container image and prove it works the way Airbyte and users run it.

Run it through ``scripts/image_test.sh`` (which prepares .venv first), or from the repo root with the
connector's virtualenv: ``.venv/bin/python -m integration_tests.image_checks``.

What it does, each step printed as it passes:

1. picks an engine: Docker when a Docker engine answers, else podman (through
   ``../shared/tools/container-engine`` when that helper exists: it installs podman and a local
   stand-in of the official slim Python base image on machines without a registry);
2. checks what the engine really sends as build context: ``.dockerignore`` must keep secrets,
   tests, virtualenvs and caches out;
3. builds the Dockerfile and inspects the image: labels equal to ``metadata.yaml`` and
   ``pyproject.toml``, a non-root user, ``ENTRYPOINT`` and ``AIRBYTE_ENTRYPOINT`` on the console
   script, no test tools inside;
4. runs ``spec``, ``check`` (good and bad credentials), ``discover`` and ``read`` in the container
   on the host network against the loopback TikTok emulator, with the config mounted read-only and
   the rotated refresh token carried from one run to the next as Airbyte does; the spec and the
   catalog must equal those of the installed package, and every record must equal what the
   emulator serves; when ``videos`` is incremental, a second ``read`` with the first one's state
   (and a revoked access token) must re-read only the newest videos and refresh the token;
5. removes everything it created (image, temporary files), whatever happened.

It exits 1 on the first failed check. Nothing is skipped: without a container engine it fails.

Environment: ``CONTAINER_ENGINE`` (``docker`` or ``podman``) forces an engine,
``IMAGE_TEST_BASE_IMAGE`` overrides the ``BASE_IMAGE`` build argument, ``IMAGE_TEST_KEEP_IMAGE=1``
keeps the built image (its tag is printed), and ``IMAGE_TEST_IMAGE=<tag>`` tests that image instead
of building one (for quick iterations only: it says so loudly; CI never sets it).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import yaml

from tiktok_emulator import USER_FIELD_SCOPES, VIDEO_FIELDS, TikTokEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTAINER_ENGINE_HELPER = REPO_ROOT.parent / "shared" / "tools" / "container-engine"
# The stand-in for python:3.11-slim that the helper builds from Debian's packages.
LOCAL_BASE_IMAGE = "localhost/python-base:3.11"
# An odd size: four full pages of 20 and a short last one.
VIDEO_COUNT = 95
# Where the config directory is mounted in the container (read-only, like Airbyte's).
CONTAINER_DATA_DIR = "/data"
# A generous bound: the connector's virtualenv is ~260 MB over the base image (airbyte-cdk brings
# pandas, numpy, nltk, grpc); a regression that ships caches or build tools shows up here.
MAX_CONNECTOR_LAYERS_MB = 400


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
# Engine
# --------------------------------------------------------------------------------------------


@dataclass
class Engine:
    name: str
    command: list[str]
    build_options: list[str] = field(default_factory=list)
    base_image: str | None = None

    def run(self, args: Sequence[str], *, check: bool = True, timeout: float = 900, **kwargs: Any) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [*self.command, *args], capture_output=True, text=True, timeout=timeout, **kwargs
        )
        if check and result.returncode != 0:
            raise CheckFailed(
                f"`{self.name} {shlex.join(args)}` exited {result.returncode}:\n"
                f"{_tail(result.stdout)}\n{_tail(result.stderr)}"
            )
        return result


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _works(command: Sequence[str]) -> bool:
    try:
        return subprocess.run(list(command), capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pick_engine() -> Engine:
    """Docker if an engine answers, else podman (set up by the shared helper where it exists)."""
    forced = os.environ.get("CONTAINER_ENGINE", "").strip()
    if forced not in ("", "docker", "podman"):
        raise CheckFailed(f"CONTAINER_ENGINE must be docker or podman, not {forced!r}")
    if forced in ("", "docker") and shutil.which("docker") and _works(["docker", "info"]):
        return Engine("docker", ["docker"], ["--network=host"], os.environ.get("IMAGE_TEST_BASE_IMAGE"))
    if forced == "docker":
        raise CheckFailed("CONTAINER_ENGINE=docker but no Docker engine answers `docker info`.")
    if CONTAINER_ENGINE_HELPER.is_file():
        print(f"No Docker engine; setting up podman with {CONTAINER_ENGINE_HELPER} (once per machine) ...", flush=True)
        started = time.monotonic()
        setup = subprocess.run(["bash", str(CONTAINER_ENGINE_HELPER), "setup"], capture_output=True, text=True)
        if setup.returncode != 0:
            raise CheckFailed(f"{CONTAINER_ENGINE_HELPER} setup failed:\n{_tail(setup.stdout)}\n{_tail(setup.stderr)}")
        print(f"{setup.stdout.strip()} ({time.monotonic() - started:.0f} s)", flush=True)
        # pip inside the build reaches the package index the way this machine does.
        options = ["--network=host", "--layers=false", "-v", "/etc/ssl/certs:/etc/ssl/certs:ro"]
        if Path("/etc/pip.conf").is_file():
            options += ["-v", "/etc/pip.conf:/etc/pip.conf:ro"]
        return Engine(
            "podman",
            ["bash", str(CONTAINER_ENGINE_HELPER), "podman"],
            options,
            os.environ.get("IMAGE_TEST_BASE_IMAGE", LOCAL_BASE_IMAGE),
        )
    if shutil.which("podman"):
        return Engine("podman", ["podman"], ["--network=host", "--layers=false"], os.environ.get("IMAGE_TEST_BASE_IMAGE"))
    raise CheckFailed(
        "No container engine: neither a Docker engine (`docker info`) nor podman is available, and "
        f"{CONTAINER_ENGINE_HELPER} does not exist. Install Docker or podman."
    )


# --------------------------------------------------------------------------------------------
# Airbyte protocol output
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    command: str
    returncode: int
    messages: list[dict[str, Any]]
    stdout: str
    stderr: str
    seconds: float

    def of_type(self, message_type: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == message_type]

    def one(self, message_type: str) -> dict[str, Any]:
        found = self.of_type(message_type)
        if len(found) != 1:
            raise CheckFailed(
                f"{self.command}: expected exactly one {message_type} message, got {len(found)}.\n"
                f"{self.transcript()}"
            )
        return found[0]

    def transcript(self) -> str:
        return f"--- exit code {self.returncode}\n--- stdout:\n{_tail(self.stdout)}\n--- stderr:\n{_tail(self.stderr)}"


def parse_protocol(command: str, result: subprocess.CompletedProcess, seconds: float) -> Run:
    """Every stdout line must be one Airbyte message: the platform reads nothing else there."""
    messages = []
    # Split on newlines only, as the platform does: str.splitlines() would also split inside
    # records at U+2028, U+0085 and other characters JSON allows raw in strings.
    for number, line in enumerate(result.stdout.split("\n"), 1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            raise CheckFailed(
                f"{command}: stdout line {number} is not an Airbyte message (JSON): {line[:200]!r}\n"
                f"--- stderr:\n{_tail(result.stderr)}"
            ) from None
        if not isinstance(message, dict) or "type" not in message:
            raise CheckFailed(f"{command}: stdout line {number} has no message type: {line[:200]!r}")
        messages.append(message)
    return Run(command, result.returncode, messages, result.stdout, result.stderr, seconds)


def error_traces(run: Run) -> list[dict[str, Any]]:
    return [m["trace"] for m in run.of_type("TRACE") if m["trace"].get("type") == "ERROR"]


def rotated_config(run: Run) -> dict[str, Any] | None:
    """The config from the last CONNECTOR_CONFIG control message, if the run emitted one."""
    controls = [
        m["control"] for m in run.of_type("CONTROL") if m["control"].get("type") == "CONNECTOR_CONFIG"
    ]
    return controls[-1]["connectorConfig"]["config"] if controls else None


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


class ImageTest:
    def __init__(self, engine: Engine, workdir: Path) -> None:
        self.engine = engine
        self.workdir = workdir  # mounted read-only into the container
        self.tag = f"localhost/source-tiktok-organic:image-test-{os.getpid()}"
        self.images_to_remove: list[str] = []
        self.timings: dict[str, float] = {}
        self.pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
        self.metadata = yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text())["data"]
        self.package_script = self._package_script()
        self.secrets: set[str] = set()

    @staticmethod
    def _package_script() -> Path:
        """The console script of the package installed next to this interpreter (the reference)."""
        script = Path(sys.executable).parent / "source-tiktok-organic"
        if not script.exists():
            found = shutil.which("source-tiktok-organic")
            if not found:
                raise CheckFailed("source-tiktok-organic is not installed next to this Python; run scripts/image_test.sh")
            script = Path(found)
        return script

    # -- helpers ------------------------------------------------------------------------------
    def write_json(self, name: str, payload: Any) -> str:
        path = self.workdir / name
        path.write_text(json.dumps(payload, indent=2))
        path.chmod(0o644)  # the container's user is not the owner
        return f"{CONTAINER_DATA_DIR}/{name}"

    def container(self, args: Sequence[str], *, entrypoint: str | None = None, timeout: float = 300) -> Run:
        options = ["run", "--rm", "--network=host", "-v", f"{self.workdir}:{CONTAINER_DATA_DIR}:ro"]
        if entrypoint:
            options += ["--entrypoint", entrypoint]
        started = time.monotonic()
        result = self.engine.run([*options, self.tag, *args], check=False, timeout=timeout)
        run = parse_protocol(f"container {shlex.join(args)}", result, time.monotonic() - started)
        self.assert_no_secrets(run)
        return run

    def container_shell(self, script: str) -> subprocess.CompletedProcess:
        return self.engine.run(["run", "--rm", "--entrypoint", "sh", self.tag, "-c", script], check=False)

    def package(self, args: Sequence[str]) -> Run:
        host_args = [a.replace(CONTAINER_DATA_DIR, str(self.workdir)) for a in args]
        started = time.monotonic()
        result = subprocess.run([str(self.package_script), *host_args], capture_output=True, text=True, timeout=300)
        return parse_protocol(f"package {shlex.join(args)}", result, time.monotonic() - started)

    def assert_no_secrets(self, run: Run) -> None:
        """No secret in any log, trace or stderr line; only CONNECTOR_CONFIG may carry them."""
        for config in filter(None, [rotated_config(run)]):
            credentials = config.get("credentials", {})
            self.secrets.update(str(credentials[k]) for k in ("refresh_token", "access_token") if credentials.get(k))
        leaked_lines = [
            line
            for line in [*run.stdout.split("\n"), *run.stderr.split("\n")]
            if '"CONNECTOR_CONFIG"' not in line and any(secret in line for secret in self.secrets)
        ]
        if leaked_lines:
            raise CheckFailed(f"{run.command}: a secret appears in the output:\n{leaked_lines[0][:300]}")

    def carry_forward(self, run: Run, config: dict[str, Any], emulator: TikTokEmulator) -> dict[str, Any]:
        """What the platform does: keep the config of the last CONNECTOR_CONFIG message, if any.

        Either way, the refresh token kept must be the one TikTok still accepts: a rotation that
        was not reported would break the next sync.
        """
        kept = rotated_config(run) or config
        expect(kept["credentials"]["refresh_token"] == emulator.current_refresh_token,
               f"after {run.command.split(' --')[0]}, the refresh token the platform keeps is the valid one"
               f" ({'rotated, from CONNECTOR_CONFIG' if rotated_config(run) else 'unchanged, no refresh needed'})")
        return kept

    # -- steps --------------------------------------------------------------------------------
    def check_build_context(self) -> None:
        section("build context (.dockerignore as the engine applies it)")
        probe_tag = f"localhost/source-tiktok-organic:context-probe-{os.getpid()}"
        dockerfile = self.workdir / "Dockerfile.context-probe"
        dockerfile.write_text(f"FROM {self.engine.base_image or 'python:3.11-slim'}\nCOPY . /context/\n")
        self.images_to_remove.append(probe_tag)
        self.engine.run(["build", *self.engine.build_options, "-f", str(dockerfile), "-t", probe_tag, str(REPO_ROOT)])
        listing = self.engine.run(
            ["run", "--rm", "--entrypoint", "find", probe_tag, "/context", "-mindepth", "1", "-not", "-type", "d"]
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
            p for p in sent
            if p.split("/")[0] in ("secrets", "unit_tests", "integration_tests", ".git", ".venv", ".venv-pyairbyte")
            or "__pycache__" in p or p.endswith((".pyc", ".egg-info")) or ".egg-info/" in p
        ]
        expect(not forbidden, "no secrets, tests, virtualenvs, git data or caches in the build context", f"sent: {forbidden}")
        expect(sent == expected, f"the build context is exactly pyproject.toml, README.md and the package ({len(sent)} files)",
               f"sent:     {sent}\nexpected: {expected}")

    def build(self) -> None:
        section(f"build ({self.engine.name})")
        existing = os.environ.get("IMAGE_TEST_IMAGE")
        if existing:
            print(f"  !!  NOT building: IMAGE_TEST_IMAGE={existing} is tested as it is", flush=True)
            self.tag = existing
            return
        args = ["build", *self.engine.build_options, "-t", self.tag]
        if self.engine.base_image:
            args += ["--build-arg", f"BASE_IMAGE={self.engine.base_image}"]
        print(f"  {self.engine.name} {shlex.join(args)} {REPO_ROOT}", flush=True)
        self.images_to_remove.append(self.tag)
        started = time.monotonic()
        self.engine.run([*args, str(REPO_ROOT)], timeout=1200)
        self.timings["build"] = time.monotonic() - started
        ok(f"image {self.tag} built in {self.timings['build']:.0f} s")

    def inspect(self) -> None:
        section("image configuration")
        info = json.loads(self.engine.run(["image", "inspect", self.tag]).stdout)[0]
        config = info.get("Config") or {}
        labels = config.get("Labels") or {}
        version = self.pyproject["project"]["version"]
        expect(labels.get("io.airbyte.name") == self.metadata["dockerRepository"],
               f"LABEL io.airbyte.name = metadata dockerRepository ({labels.get('io.airbyte.name')})")
        expect(labels.get("io.airbyte.version") == self.metadata["dockerImageTag"] == version,
               f"LABEL io.airbyte.version = metadata dockerImageTag = pyproject version ({labels.get('io.airbyte.version')})",
               f"label {labels.get('io.airbyte.version')}, metadata {self.metadata['dockerImageTag']}, pyproject {version}")
        user = str(config.get("User") or "")
        expect(user not in ("", "0", "root") and not user.startswith(("0:", "root:")), f"runs as a non-root user ({user!r})")
        entrypoint = config.get("Entrypoint") or []
        env = dict(item.split("=", 1) for item in config.get("Env") or [])
        expect(entrypoint and Path(entrypoint[0]).name == "source-tiktok-organic" and len(entrypoint) == 1,
               f"ENTRYPOINT is the console script ({entrypoint})")
        expect(shlex.split(env.get("AIRBYTE_ENTRYPOINT", "")) == entrypoint,
               f"AIRBYTE_ENTRYPOINT equals ENTRYPOINT ({env.get('AIRBYTE_ENTRYPOINT')!r})")
        size_mb = info.get("Size", 0) / 1e6
        base = self.engine.base_image or "python:3.11-slim"
        base_info = self.engine.run(["image", "inspect", base], check=False)
        base_mb = json.loads(base_info.stdout)[0].get("Size", 0) / 1e6 if base_info.returncode == 0 else 0.0
        self.timings["size_mb"] = size_mb
        self.timings["layers_mb"] = size_mb - base_mb
        expect(size_mb - base_mb < MAX_CONNECTOR_LAYERS_MB,
               f"image {size_mb:.0f} MB: {size_mb - base_mb:.0f} MB over the base image {base} "
               f"(bound {MAX_CONNECTOR_LAYERS_MB} MB)")

        probe = self.container_shell(
            "id -u; "
            "python -c 'import importlib.metadata as m; print(m.version(\"source-tiktok-organic\"))'; "
            "python -c 'import importlib.util as u; "
            "print(\",\".join(n for n in (\"pytest\", \"requests_mock\", \"unit_tests\", \"integration_tests\", \"pip\") if u.find_spec(n)) or \"none\")'; "
            "test -w /opt/connector && echo writable || echo read-only; "
            "eval \"$AIRBYTE_ENTRYPOINT spec\" | grep -c '\"type\": *\"SPEC\"'"
        )
        lines = probe.stdout.split()
        expect(probe.returncode == 0 and len(lines) == 5, "in-container probe ran", probe.stdout + probe.stderr)
        uid, installed, importable, code_dir, spec_count = lines
        expect(uid != "0", f"the container process has uid {uid}")
        expect(installed == version, f"installed package version {installed} = pyproject version")
        expect(importable == "none", f"no test tools, tests or pip inside the image (importable: {importable})")
        expect(code_dir == "read-only", "the installed code is read-only for the connector's user")
        expect(spec_count == "1", "`$AIRBYTE_ENTRYPOINT spec` (how Airbyte starts the image) answers a SPEC")

    def spec(self) -> None:
        section("spec")
        run = self.container(["spec"])
        expect(run.returncode == 0, f"spec exits 0 ({run.seconds:.1f} s)", run.transcript())
        image_spec = run.one("SPEC")["spec"]
        package_spec = self.package(["spec"]).one("SPEC")["spec"]
        expect(image_spec == package_spec, "the spec in the image equals the spec of the package",
               json.dumps(image_spec)[:500] + "\n!=\n" + json.dumps(package_spec)[:500])
        properties = image_spec["connectionSpecification"]["properties"]
        secret_fields = [k for k, v in properties["credentials"]["properties"].items() if v.get("airbyte_secret")]
        expect({"client_secret", "refresh_token"} <= set(secret_fields), f"secret fields are marked airbyte_secret ({secret_fields})")

    def check(self, emulator: TikTokEmulator, config: dict[str, Any]) -> dict[str, Any]:
        section("check")
        bad = json.loads(json.dumps(config))
        bad["credentials"]["refresh_token"] = "image-test-revoked-refresh-token"
        run = self.container(["check", "--config", self.write_json("bad_config.json", bad)])
        status = run.one("CONNECTION_STATUS")["connectionStatus"]
        expect(status["status"] == "FAILED" and "invalid_grant" in (status.get("message") or ""),
               "check with a revoked refresh token: FAILED, naming TikTok's invalid_grant", run.transcript())

        run = self.container(["check", "--config", self.write_json("config.json", config)])
        status = run.one("CONNECTION_STATUS")["connectionStatus"]
        expect(run.returncode == 0 and status["status"] == "SUCCEEDED",
               f"check with valid credentials: SUCCEEDED ({run.seconds:.1f} s)", run.transcript())
        rotated = rotated_config(run)
        expect(rotated and rotated["credentials"]["refresh_token"] == emulator.current_refresh_token
               and rotated["credentials"]["refresh_token"] != config["credentials"]["refresh_token"],
               "check emits CONNECTOR_CONFIG with the rotated refresh token (carried to the next run)", run.transcript())
        return rotated

    def discover(self, emulator: TikTokEmulator, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        section("discover")
        config_path = self.write_json("config.json", config)
        run = self.container(["discover", "--config", config_path])
        expect(run.returncode == 0, f"discover exits 0 ({run.seconds:.1f} s)", run.transcript())
        catalog = run.one("CATALOG")["catalog"]
        streams = {s["name"]: s for s in catalog["streams"]}
        expect(set(streams) == {"user_info", "videos"}, f"streams: {sorted(streams)}")
        expect(streams["user_info"].get("source_defined_primary_key") == [["open_id"]]
               and streams["videos"].get("source_defined_primary_key") == [["id"]],
               "primary keys: user_info open_id, videos id")
        expect(set(VIDEO_FIELDS) <= set(streams["videos"]["json_schema"]["properties"])
               and set(USER_FIELD_SCOPES) <= set(streams["user_info"]["json_schema"]["properties"]),
               "the schemas declare every TikTok field (15 video, 14 user)")
        config = self.carry_forward(run, config, emulator)
        package_run = self.package(["discover", "--config", self.write_json("config.json", config)])
        config = self.carry_forward(package_run, config, emulator)
        expect(package_run.one("CATALOG")["catalog"] == catalog, "the catalog in the image equals the catalog of the package")
        return config, catalog

    def configured_catalog(self, catalog: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """user_info in full refresh; videos incremental when the catalog offers it."""
        streams = []
        incremental = False
        for stream in catalog["streams"]:
            mode = "full_refresh"
            if stream["name"] == "videos" and "incremental" in stream.get("supported_sync_modes", []):
                mode, incremental = "incremental", True
            streams.append({
                "stream": stream,
                "sync_mode": mode,
                "destination_sync_mode": "append_dedup" if mode == "incremental" else "overwrite",
                "primary_key": stream.get("source_defined_primary_key"),
                **({"cursor_field": stream.get("default_cursor_field") or []} if mode == "incremental" else {}),
            })
        return {"streams": streams}, incremental

    def read_records(self, args: Sequence[str]) -> tuple[Run, dict[str, list[dict[str, Any]]]]:
        run = self.container(["read", *args])
        expect(run.returncode == 0 and not error_traces(run), f"read exits 0 without error traces ({run.seconds:.1f} s)",
               run.transcript())
        records: dict[str, list[dict[str, Any]]] = {"user_info": [], "videos": []}
        for message in run.of_type("RECORD"):
            records.setdefault(message["record"]["stream"], []).append(message["record"]["data"])
        statuses: dict[str, list[str]] = {}
        for message in run.of_type("TRACE"):
            trace = message["trace"]
            if trace.get("type") == "STREAM_STATUS":
                status = trace["stream_status"]
                statuses.setdefault(status["stream_descriptor"]["name"], []).append(status["status"])
        expect(all(statuses.get(s, [None])[-1] == "COMPLETE" for s in ("user_info", "videos")),
               f"both streams end COMPLETE ({ {k: v[-1] for k, v in statuses.items()} })")
        return run, records

    def read(self, emulator: TikTokEmulator, config: dict[str, Any], catalog: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        configured, incremental = self.configured_catalog(catalog)
        section(f"read ({VIDEO_COUNT} videos; videos {'incremental, first sync' if incremental else 'full refresh'})")
        catalog_path = self.write_json("configured_catalog.json", configured)
        run, records = self.read_records(["--config", self.write_json("config.json", config), "--catalog", catalog_path])
        self.timings["read"] = run.seconds
        expect(len(records["user_info"]) == 1, f"user_info: {len(records['user_info'])} record")
        user = records["user_info"][0]
        mismatched = [f for f in USER_FIELD_SCOPES if user.get(f) != emulator.user.get(f)]
        expect(not mismatched, f"user_info record equals the emulated account (display_name {user.get('display_name')!r}, "
               f"follower_count {user.get('follower_count')})", f"mismatched fields: {mismatched}")

        videos = records["videos"]
        expect(len(videos) == VIDEO_COUNT, f"videos: {len(videos)} records, every video")
        expected = {v["id"]: v for v in emulator.videos}
        ids = [v.get("id") for v in videos]
        expect(all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids) and set(ids) == set(expected),
               "video ids are strings, unique, and exactly the emulator's (ids above 2^53 intact)")
        mismatched = sorted({f for v in videos for f in VIDEO_FIELDS if v.get(f) != expected[v["id"]].get(f)})
        expect(not mismatched, f"every video field equals what TikTok served ({len(VIDEO_FIELDS)} fields x {len(videos)})",
               f"mismatched fields: {mismatched}")
        if any("created_at" in v for v in videos):
            wrong = [v["id"] for v in videos if v.get("created_at") != _rfc3339(v["create_time"])]
            expect(not wrong, "created_at is create_time as RFC 3339 UTC", f"wrong for {wrong[:3]}")

        config = self.carry_forward(run, config, emulator)
        states = [m["state"] for m in run.of_type("STATE")]
        if incremental:
            video_states = [s for s in states if s.get("stream", {}).get("stream_descriptor", {}).get("name") == "videos"]
            expect(video_states, f"read emits STATE for videos ({len(video_states)} messages)")
        return config, states

    def read_incremental(self, emulator: TikTokEmulator, config: dict[str, Any], catalog: dict[str, Any],
                         states: list[dict[str, Any]]) -> None:
        configured, incremental = self.configured_catalog(catalog)
        if not incremental:
            print("  --  videos offers no incremental sync in the catalog: no second, incremental read", flush=True)
            return
        section("read again with the state of the first sync (incremental), access token revoked")
        emulator.invalidate_access_tokens()
        latest: dict[str, dict[str, Any]] = {}
        for state in states:  # the last state of each stream is what the platform keeps
            latest[state["stream"]["stream_descriptor"]["name"]] = state
        run, records = self.read_records([
            "--config", self.write_json("config.json", config),
            "--catalog", self.write_json("configured_catalog.json", configured),
            "--state", self.write_json("state.json", list(latest.values())),
        ])
        videos = records["videos"]
        oldest = min((v["create_time"] for v in videos), default=None)
        newer = {v["id"] for v in emulator.videos if oldest is not None and v["create_time"] >= oldest}
        expect(0 < len(videos) < VIDEO_COUNT and {v["id"] for v in videos} == newer,
               f"the state is honoured: {len(videos)} of {VIDEO_COUNT} videos re-read, the newest ones (lookback)",
               f"ids read: {sorted(v['id'] for v in videos)[:10]}")
        expect(rotated_config(run), "the revoked access token was refreshed: CONNECTOR_CONFIG emitted")
        self.carry_forward(run, config, emulator)
        expect(bool(self.secrets), f"no secret in any log, trace or stderr line ({len(self.secrets)} secrets watched)")

    # -- cleanup ------------------------------------------------------------------------------
    def _remove_image(self, tag: str) -> None:
        if tag in self.images_to_remove:
            self.engine.run(["rmi", "--force", tag], check=False)
            self.images_to_remove.remove(tag)

    def cleanup(self) -> None:
        keep = os.environ.get("IMAGE_TEST_KEEP_IMAGE") == "1"
        for tag in list(self.images_to_remove):
            if keep and tag == self.tag:
                print(f"IMAGE_TEST_KEEP_IMAGE=1: keeping {tag}")
                continue
            self._remove_image(tag)


def _rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> int:
    # A CI timeout or Ctrl-C still removes the image and stops the child engine process.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    test: ImageTest | None = None
    try:
        engine = pick_engine()
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
                    test.secrets.update({config["credentials"]["client_secret"], config["credentials"]["refresh_token"]})
                    config = test.check(emulator, config)
                    config, catalog = test.discover(emulator, config)
                    config, states = test.read(emulator, config, catalog)
                    test.read_incremental(emulator, config, catalog, states)
            finally:
                test.cleanup()
    except CheckFailed as failure:
        print(f"\nFAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    timings = test.timings if test else {}
    print(
        f"\nPASSED: image test in {time.monotonic() - started:.0f} s "
        f"(build {timings.get('build', 0):.0f} s, read {timings.get('read', 0):.1f} s, "
        f"image {timings.get('size_mb', 0):.0f} MB of which {timings.get('layers_mb', 0):.0f} MB over the base)",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
