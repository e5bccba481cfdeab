"""The image itself: the build context the engine sends (``.dockerignore``), the build, the image's
labels, user, entrypoint and size, and what it can and cannot import."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from testkit.console_script import CONSOLE_SCRIPT
from tools.container_engine import build_image, tail
from tools.image_checks.harness import (
    REPO_ROOT,
    ImageRun,
    expect,
    ok,
    section,
)

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


class ImageChecks(ImageRun):
    """What the engine sends to build, the build, and what the built image holds."""

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
