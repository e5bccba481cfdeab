"""Packaging consistency: versions, registry metadata, Dockerfile and build context agree.

Fast and offline (no container engine): scripts/image_test.sh builds and runs the image itself and
checks what this file cannot, such as the spec inside the image equalling the package's spec.

The metadata checks mirror what Airbyte's metadata service enforces before a connector enters its
registry: Airbyte's own ``ConnectorMetadataDefinitionV0`` model (from airbyte-connector-models) for
required fields, allowed values and no unknown field, plus the pre-upload validators' tag, version
and PyPI rules.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import re
import shlex
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pydantic
import pytest
import tomllib
import yaml
from airbyte_connector_models.metadata.v0.connector_metadata_definition_v0 import (
    ConnectorMetadataDefinitionV0,
)
from packaging.specifiers import SpecifierSet

REPO_ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
METADATA_FILE = yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text())
METADATA = METADATA_FILE["data"]
VERSION = PYPROJECT["project"]["version"]
CONSOLE_SCRIPT = "source-tiktok-organic"

SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"


# --------------------------------------------------------------------------------------------
# Dockerfile parsing (just enough: instructions, stages, ARG/ENV/LABEL key-value pairs)
# --------------------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comment lines are dropped even inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def key_values(arguments: str) -> dict[str, str]:
    """ENV/LABEL/ARG arguments in key=value form (quoted values allowed)."""
    pairs = {}
    for token in shlex.split(arguments):
        key, sep, value = token.partition("=")
        assert sep, f"{token!r} is not key=value: use the key=value form"
        pairs[key] = value
    return pairs


INSTRUCTIONS = dockerfile_instructions((REPO_ROOT / "Dockerfile").read_text())
STAGES: list[list[tuple[str, str]]] = []
for _instruction in INSTRUCTIONS:
    if _instruction[0] == "FROM":
        STAGES.append([])
    if STAGES:
        STAGES[-1].append(_instruction)
FINAL_STAGE = STAGES[-1] if STAGES else []


def in_final_stage(keyword: str) -> list[str]:
    return [arguments for kw, arguments in FINAL_STAGE if kw == keyword]


def final_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for arguments in in_final_stage("LABEL"):
        labels.update(key_values(arguments))
    return labels


def final_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for arguments in in_final_stage("ENV"):
        env.update(key_values(arguments))
    return env


# --------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------


def test_one_version_everywhere() -> None:
    label = final_labels().get("io.airbyte.version")
    assert re.fullmatch(SEMVER, VERSION), f"pyproject.toml version {VERSION!r} is not semver"
    assert METADATA["dockerImageTag"] == VERSION, "metadata.yaml dockerImageTag != pyproject.toml version"
    assert label == VERSION, (
        f"Dockerfile LABEL io.airbyte.version={label!r} != pyproject.toml version {VERSION}"
    )


def test_installed_distribution_is_this_version() -> None:
    """The environment the tests (and PyAirbyte) run was installed from this pyproject.toml."""
    assert importlib.metadata.version(PYPROJECT["project"]["name"]) == VERSION


def test_image_name_label_is_the_registry_repository() -> None:
    assert final_labels().get("io.airbyte.name") == METADATA["dockerRepository"]


# --------------------------------------------------------------------------------------------
# metadata.yaml: what Airbyte's registry requires
# --------------------------------------------------------------------------------------------


def test_metadata_matches_the_registry_model() -> None:
    """Airbyte's own model of metadata.yaml: required fields, allowed values, no unknown field."""
    try:
        ConnectorMetadataDefinitionV0.model_validate(METADATA_FILE)
    except pydantic.ValidationError as invalid:
        pytest.fail(f"metadata.yaml does not fit Airbyte's registry model:\n{invalid}")


def test_metadata_identity_fields_are_well_formed() -> None:
    parsed = uuid.UUID(METADATA["definitionId"])
    assert str(parsed) == METADATA["definitionId"], "definitionId must be a lower-case, hyphenated UUID"
    assert METADATA["connectorType"] == "source"
    repository = METADATA["dockerRepository"]
    owner, _, image = repository.partition("/")
    assert owner and image and re.fullmatch(r"[a-z0-9]+(?:[._-][a-z0-9]+)*", image), repository
    assert image == CONSOLE_SCRIPT, "the image is named after the connector and its command"
    assert METADATA["githubIssueLabel"] == image, "Airbyte labels issues with the connector's image name"
    url = urlsplit(METADATA["documentationUrl"])
    assert url.scheme == "https" and url.netloc, "documentationUrl must be an https URL"


def test_metadata_follows_the_registry_validators() -> None:
    """The pre-upload rules Airbyte's metadata service applies beyond the schema."""
    tags = METADATA.get("tags", [])
    assert all(":" in tag for tag in tags), f"every tag is key:value, got {tags}"
    assert any(tag.startswith("language:") for tag in tags), "at least one language:<LANG> tag is required"
    assert "language:python" in tags, "this connector is a Python package"
    pypi = METADATA.get("remoteRegistries", {}).get("pypi", {})
    if pypi.get("enabled"):
        assert "language:python" in tags or "language:low-code" in tags
    if pypi:
        # PyAirbyte installs airbyte-<connector> (and asks its version by that name): the wheel's name.
        connector = METADATA["dockerRepository"].rsplit("/", 1)[-1]
        assert pypi["packageName"] == f"airbyte-{connector}" == PYPROJECT["project"]["name"]
    major, minor, patch = (int(part) for part in re.match(SEMVER, VERSION).groups()[:3])
    if major > 0 and minor == 0 and patch == 0:
        breaking = METADATA.get("releases", {}).get("breakingChanges", {})
        assert VERSION in breaking, f"major version {VERSION} needs a releases.breakingChanges entry"
    assert "-rc." not in METADATA["dockerImageTag"] or METADATA.get("releases", {}).get(
        "rolloutConfiguration"
    )


def test_metadata_points_at_files_that_exist() -> None:
    icon = REPO_ROOT / METADATA["icon"]
    assert icon.is_file(), f"metadata.yaml icon {METADATA['icon']!r} is not a file of the repo"
    assert icon.read_text().lstrip().startswith("<svg"), "the icon must be an SVG"


def test_metadata_allowed_hosts_cover_every_default_api() -> None:
    """Where Airbyte enforces allowedHosts, every API the spec defaults to must be reachable.

    The hosts come from the spec's base-URL options (every property named ``*api_base_url``), so
    an API added with its own base URL cannot be forgotten here.
    """
    from source_tiktok_organic import SourceTikTokOrganic

    spec = SourceTikTokOrganic().spec(logging.getLogger("test")).connectionSpecification
    defaults = {
        name: urlsplit(option["default"]).hostname
        for name, option in spec["properties"].items()
        if name.endswith("api_base_url")
    }
    assert set(defaults) >= {"api_base_url", "business_api_base_url"}, defaults
    missing = {name: host for name, host in defaults.items() if host not in METADATA["allowedHosts"]["hosts"]}
    assert not missing, f"metadata.yaml allowedHosts lacks the default host of {missing}"


def test_registry_is_enabled_for_oss() -> None:
    assert METADATA["registryOverrides"]["oss"]["enabled"] is True


# --------------------------------------------------------------------------------------------
# Dockerfile
# --------------------------------------------------------------------------------------------


def test_dockerfile_base_image_is_an_official_slim_python_build_argument() -> None:
    first = INSTRUCTIONS[0]
    assert first[0] == "ARG", "ARG BASE_IMAGE must come before the first FROM (it is used by every FROM)"
    default = key_values(first[1]).get("BASE_IMAGE")
    match = re.fullmatch(
        r"(?:docker\.io/(?:library/)?)?python:(3\.\d+)-slim(?:-[a-z]+)?(?:@sha256:[0-9a-f]{64})?",
        default or "",
    )
    assert match, f"BASE_IMAGE default {default!r} is not an official slim Python image"
    assert match.group(1) in SpecifierSet(PYPROJECT["project"]["requires-python"]), (
        "base Python outside requires-python"
    )
    froms = [arguments.split()[0] for keyword, arguments in INSTRUCTIONS if keyword == "FROM"]
    assert froms and all(image == "${BASE_IMAGE}" for image in froms), (
        f"every stage builds FROM ${{BASE_IMAGE}}: {froms}"
    )


def test_dockerfile_is_multi_stage_and_installs_only_the_package() -> None:
    assert len(STAGES) >= 2, "a build stage and a runtime stage"
    assert any(kw == "COPY" and arguments.startswith("--from=") for kw, arguments in FINAL_STAGE), (
        "the runtime stage copies the built environment from the build stage"
    )
    runs = " ".join(arguments for kw, arguments in INSTRUCTIONS if kw == "RUN")
    assert "pip install" in runs
    for dev in ("[dev]", "pytest", "requests-mock", "requirements-dev", "--editable", "pip install -e"):
        assert dev not in runs, f"the image installs a dev dependency or an editable package ({dev})"
    assert "optional-dependencies" not in runs
    assert "dev" in PYPROJECT["project"].get("optional-dependencies", {}), "test tools live in the dev extra"


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = in_final_stage("USER")
    assert users, "the runtime stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"USER {user}"
    # The USER instruction is the last one that changes the user, after the code is installed.
    last_user = max(i for i, (kw, _) in enumerate(FINAL_STAGE) if kw == "USER")
    assert all(kw not in ("RUN", "COPY", "ADD") for kw, _ in FINAL_STAGE[last_user + 1 :]), (
        "nothing is installed after switching to the unprivileged user (the code stays root-owned)"
    )


def test_dockerfile_entrypoint_is_the_console_script() -> None:
    assert CONSOLE_SCRIPT in PYPROJECT["project"]["scripts"]
    entrypoints = in_final_stage("ENTRYPOINT")
    assert entrypoints, "the runtime stage sets ENTRYPOINT"
    entrypoint = json.loads(entrypoints[-1])  # exec form: signals reach the connector directly
    assert isinstance(entrypoint, list) and len(entrypoint) == 1
    assert Path(entrypoint[0]).name == CONSOLE_SCRIPT
    assert shlex.split(final_env().get("AIRBYTE_ENTRYPOINT", "")) == entrypoint, (
        "AIRBYTE_ENTRYPOINT (what Airbyte runs) must equal ENTRYPOINT (what docker run runs)"
    )
    assert "CMD" not in {kw for kw, _ in FINAL_STAGE}, (
        "no default command: spec/check/discover/read are required"
    )


# --------------------------------------------------------------------------------------------
# .dockerignore (scripts/image_test.sh also checks what the engine really sends)
# --------------------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's .dockerignore pattern syntax (Go filepath.Match plus ``**``) as a regex."""
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out += "(?:.*/)?"
                i += 1
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            out += "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]"
            i = end
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out)


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in (REPO_ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:].strip() if negated else line
        pattern = re.sub(r"/+", "/", pattern).strip("/")
        rules.append((negated, _pattern_regex(pattern)))
    return rules


def is_ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for negated, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = not negated
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        "secrets/config.json",
        "secrets/README.md",
        "unit_tests/test_streams.py",
        "integration_tests/sample_config.json",
        "tiktok_emulator/__init__.py",
        "testkit/connector_output.py",
        "tools/sync.py",
        "scripts/sync.sh",
        ".git/config",
        ".venv/bin/python",
        ".venv-pyairbyte/bin/python",
        ".pytest_cache/v/cache/nodeids",
        "source_tiktok_organic/__pycache__/source.cpython-311.pyc",
        "source_tiktok_organic/stale.pyc",
        "source_tiktok_organic.egg-info/PKG-INFO",
        "build/lib/source_tiktok_organic/source.py",
        "config.json",
        ".env",
        "Dockerfile",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert is_ignored(path, dockerignore_rules()), f"{path} would be sent to the image build"


def test_dockerignore_lets_in_what_the_build_copies() -> None:
    rules = dockerignore_rules()
    copied = []
    for keyword, arguments in INSTRUCTIONS:
        if keyword in ("COPY", "ADD") and not arguments.startswith("--from="):
            sources = [a for a in shlex.split(arguments) if not a.startswith("--")][:-1]
            copied.extend(sources)
    assert copied, "the Dockerfile copies the package from the build context"
    for source in copied:
        source_path = REPO_ROOT / source.rstrip("/")
        assert source_path.exists(), f"the Dockerfile copies {source}, which does not exist"
        files = [source_path] if source_path.is_file() else [p for p in source_path.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(REPO_ROOT).as_posix()
            if "__pycache__" in relative:
                continue
            assert not is_ignored(relative, rules), f"{relative} is copied by the Dockerfile but ignored"
    for packaged in PYPROJECT["tool"]["setuptools"]["package-data"]["source_tiktok_organic"]:
        assert not is_ignored(f"source_tiktok_organic/{packaged}", rules)


def test_wheel_and_sdist_are_what_pypi_and_pyairbyte_expect(tmp_path: Path) -> None:
    """Both distributions pass ``twine check``, carry the registry's package name and this version,
    and install the connector's two commands."""
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--sdist", "--outdir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheels, sdists = sorted(tmp_path.glob("*.whl")), sorted(tmp_path.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in tmp_path.iterdir())
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheels[0]), str(sdists[0])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    name = METADATA["remoteRegistries"]["pypi"]["packageName"]
    with zipfile.ZipFile(wheels[0]) as wheel:
        dist_info = f"{name.replace('-', '_')}-{VERSION}.dist-info"
        wheel_metadata = wheel.read(f"{dist_info}/METADATA").decode()
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert f"\nName: {name}\n" in wheel_metadata and f"\nVersion: {VERSION}\n" in wheel_metadata
    assert f"{CONSOLE_SCRIPT} = source_tiktok_organic.run:run" in entry_points
    assert "tiktok-organic-auth = source_tiktok_organic.auth.cli:main" in entry_points
    assert sdists[0].name == f"{name.replace('-', '_')}-{VERSION}.tar.gz"


def test_wheel_ships_the_connector_package_alone() -> None:
    """The development packages (testkit, tools, tiktok_emulator) and the tests stay out of the wheel."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    # Listed explicitly: a subpackage left out of the list (source_tiktok_organic.auth, the auth
    # command) would be left out of the wheel and the image.
    subpackages = sorted(
        "source_tiktok_organic." + init.parent.name
        for init in (REPO_ROOT / "source_tiktok_organic").glob("*/__init__.py")
    )
    assert setuptools["packages"] == ["source_tiktok_organic", *subpackages], (
        "the wheel lists its one package and each of its subpackages explicitly"
    )
    assert set(setuptools.get("package-data", {})) <= {"source_tiktok_organic"}


def test_gitignore_keeps_local_environments_out_of_git() -> None:
    ignored = (REPO_ROOT / ".gitignore").read_text().split()
    assert ".venv/" in ignored and ".venv-pyairbyte/" in ignored
