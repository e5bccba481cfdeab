"""The user documentation (docs/tiktok-organic.md) against the code it documents.

Every list here is derived from the code, never written down twice: the config options from the
manifest's connection_specification, the error messages from the manifest's response filters and
from the ``message=`` texts of the Python modules, the streams and fields from the manifest. A new
option, message, stream or field fails this test until the docs page describes it.

Run ``python -m integration_tests.test_docs`` to print the derived lists.
"""

from __future__ import annotations

import ast
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "source_tiktok_organic"
MANIFEST = PACKAGE / "manifest.yaml"
DOCS = REPO_ROOT / "docs" / "tiktok-organic.md"
README = REPO_ROOT / "README.md"
CHANGELOG = REPO_ROOT / "CHANGELOG.md"
ICON = REPO_ROOT / "icon.svg"

# Modules whose user-facing messages the connector (components, source, run) or the auth command
# (the auth package) can emit. Paths relative to the package.
MESSAGE_MODULES = (
    "components.py",
    "source.py",
    "run.py",
    "auth/cli.py",
    "auth/common.py",
    "auth/config_file.py",
    "auth/consent.py",
    "auth/display.py",
    "auth/business.py",
    "auth/accounts.py",
    "auth/revoke.py",
)
# Exceptions and results whose text reaches the user.
MESSAGE_CALLS = {
    "AirbyteTracedException",
    "AirbyteConnectionStatus",
    "AirbyteErrorTraceMessage",
    "AuthError",
    "ErrorResolution",
}
# The fixed text compared with the docs: its first words, up to about this many characters.
PREFIX_CHARS = 40
# Fixed text shorter than this says nothing on its own (", retrying", "TikTok said: ").
MIN_FIXED_CHARS = 12


def normalise(text: str) -> str:
    """Whitespace collapsed and markdown code marks dropped, so tables and prose compare alike."""
    return re.sub(r"\s+", " ", text.replace("`", "").replace("\\|", "|")).strip()


def leading_text(fixed_parts: list[str | None]) -> str | None:
    """The message's identifying words: the first fixed run long enough to mean something, cut at
    a word boundary near PREFIX_CHARS. ``None`` in ``fixed_parts`` marks an interpolation."""
    for part in fixed_parts:
        if part is None:
            continue
        # printf-style placeholders (logger calls) are interpolations too.
        text = normalise(re.split(r"%[-+ 0-9.]*[sdifr]", part)[0])
        if len(text) < MIN_FIXED_CHARS:
            continue
        if len(text) <= PREFIX_CHARS:
            return text
        cut = text.rfind(" ", 0, PREFIX_CHARS + 1)
        return text[: cut if cut >= MIN_FIXED_CHARS else PREFIX_CHARS]
    return None


# ------------------------------------------------------------------------------------------
# what the code says
# ------------------------------------------------------------------------------------------


def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def config_options(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every option of a connection_specification, nested objects included (credentials.*), and the
    fields of a list's objects as ``list[].field`` (credentials.accounts[].refresh_token)."""
    for name, option in (schema.get("properties") or {}).items():
        dotted = f"{prefix}{name}"
        yield dotted, option
        if option.get("type") == "object" or "properties" in option:
            yield from config_options(option, dotted + ".")
        for variant in option.get("oneOf", []) or []:
            yield from config_options(variant, dotted + ".")
        items = option.get("items")
        if isinstance(items, Mapping) and "properties" in items:
            yield from config_options(items, dotted + "[].")


def walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def manifest_error_messages() -> list[str]:
    """The fixed words of every ``error_message`` of the manifest's response filters."""
    found = []
    for node in walk(manifest()):
        template = node.get("error_message")
        if node.get("type") == "HttpResponseFilter" and isinstance(template, str):
            parts: list[str | None] = []
            for piece in re.split(r"(\{\{.*?\}\}|\{%.*?%\})", template, flags=re.S):
                parts.append(None if piece.startswith(("{{", "{%")) else piece)
            text = leading_text(parts)
            assert text, f"no fixed text in {template!r}"
            found.append(text)
    return found


class _MessageFinder(ast.NodeVisitor):
    """Collects the fixed parts of the user-facing messages of one module."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        self.constants = {
            t.id: n.value
            for n in tree.body
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        self.messages: list[list[str | None]] = []

    def parts(self, node: ast.AST, depth: int = 0) -> list[str | None]:
        """The message as fixed strings and ``None`` for what is computed at run time."""
        if depth > 5:
            return [None]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            out: list[str | None] = []
            for value in node.values:
                out.extend([value.value] if isinstance(value, ast.Constant) else [None])
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.parts(node.left, depth + 1) + self.parts(node.right, depth + 1)
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.parts(self.constants[node.id], depth + 1)
        if isinstance(node, ast.Call):
            function = node.func.id if isinstance(node.func, ast.Name) else None
            if function in self.functions:  # a local helper that builds the message
                returns = [
                    n.value
                    for n in ast.walk(self.functions[function])
                    if isinstance(n, ast.Return) and n.value
                ]
                return self.parts(returns[0], depth + 1) if returns else [None]
            if node.args:  # a wrapper such as filter_secrets(...) or redact(...)
                return self.parts(node.args[0], depth + 1)
        return [None]

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name in MESSAGE_CALLS:
            argument = next(
                (k.value for k in node.keywords if k.arg in ("message", "error_message")),
                node.args[0] if node.args else None,
            )
            if argument is not None:
                self.messages.append(self.parts(argument))
        if name in ("warning", "error") and isinstance(node.func, ast.Attribute) and node.args:
            self.messages.append(self.parts(node.args[0]))  # logger.warning/error: shown in the sync log
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # `message = "..."` branches that are later raised with extra detail.
        if any(isinstance(t, ast.Name) and t.id == "message" for t in node.targets):
            self.messages.append(self.parts(node.value))
        self.generic_visit(node)


def code_messages(module: str) -> list[str]:
    tree = ast.parse((PACKAGE / module).read_text())
    finder = _MessageFinder(tree)
    finder.visit(tree)
    texts = {leading_text(parts) for parts in finder.messages}
    return sorted(t for t in texts if t)


# ------------------------------------------------------------------------------------------
# what the docs say
# ------------------------------------------------------------------------------------------


def markdown_section(text: str, title: str) -> str:
    """The body of the first ``##`` heading containing ``title``, up to the next ``##`` heading."""
    match = re.search(rf"^## [^\n]*{re.escape(title)}[^\n]*\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


@pytest.fixture(scope="module")
def docs() -> str:
    assert DOCS.exists(), f"{DOCS} is missing"
    return DOCS.read_text()


@pytest.fixture(scope="module")
def troubleshooting(docs: str) -> str:
    return normalise(markdown_section(docs, "Troubleshooting"))


def test_docs_page_has_airbytes_sections(docs: str) -> None:
    assert docs.startswith("# TikTok Organic\n")
    for title in (
        "Prerequisites",
        "Setup guide",
        "Supported sync modes",
        "Supported streams",
        "Configuration",
        "Performance considerations",
        "Troubleshooting",
        "Changelog",
    ):
        markdown_section(docs, title)


def test_every_config_option_is_documented(docs: str) -> None:
    configuration = normalise(markdown_section(docs, "Configuration"))
    options = list(config_options(manifest()["spec"]["connection_specification"]))
    assert len(options) >= 7
    undocumented = [name for name, _ in options if name not in configuration]
    assert not undocumented, f"options missing from the Configuration section: {undocumented}"
    untitled = [
        option["title"]
        for _, option in options
        if option.get("title") and normalise(option["title"]) not in configuration
    ]
    assert not untitled, f"UI titles missing from the Configuration section: {untitled}"


def test_every_manifest_error_message_is_in_troubleshooting(troubleshooting: str) -> None:
    messages = manifest_error_messages()
    assert len(messages) >= 6
    missing = [m for m in messages if m not in troubleshooting]
    assert not missing, f"manifest error messages missing from Troubleshooting: {missing}"


@pytest.mark.parametrize("module", MESSAGE_MODULES)
def test_every_code_message_is_in_troubleshooting(module: str, troubleshooting: str) -> None:
    messages = code_messages(module)
    assert messages, f"no messages found in {module}: the extractor is broken"
    missing = [m for m in messages if m not in troubleshooting]
    assert not missing, f"{module} messages missing from Troubleshooting: {missing}"


def test_extractor_sees_the_messages_it_must() -> None:
    """Guards the extractor itself with messages known to exist."""
    assert any(m.startswith("TikTok rejected the refresh token") for m in code_messages("components.py"))
    assert any(m.startswith("The redirect's state does not match") for m in code_messages("auth/consent.py"))
    assert any(
        m.startswith("The TikTok authorisation is missing the") for m in code_messages("components.py")
    )
    assert any(m.startswith("TikTok API error") for m in manifest_error_messages())
    assert any(m.startswith("did not answer like the TikTok Open API") for m in manifest_error_messages())


def test_streams_and_fields_are_documented(docs: str) -> None:
    source = manifest()
    streams = markdown_section(docs, "Supported streams")
    for name, schema in source["schemas"].items():
        assert f"`{name}`" in streams, name
        missing = [field for field in schema["properties"] if f"`{field}`" not in docs]
        assert not missing, f"{name} fields missing from the docs: {missing}"


def test_changelog_icon_and_readme_link() -> None:
    version = re.search(r'^version = "([^"]+)"', (REPO_ROOT / "pyproject.toml").read_text(), flags=re.M)
    assert version
    assert f"## {version.group(1)}" in CHANGELOG.read_text()
    assert f"| {version.group(1)} " in markdown_section(DOCS.read_text(), "Changelog")
    root = ElementTree.fromstring(ICON.read_text())  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    assert "## Getting a refresh token" in README.read_text()


def test_readme_sends_errors_to_the_one_troubleshooting_table() -> None:
    assert "(docs/tiktok-organic.md#troubleshooting)" in README.read_text()
    assert "\n## Troubleshooting\n" in DOCS.read_text(), "README links to a heading that no longer exists"


# ------------------------------------------------------------------------------------------
# several accounts: the section's options are the spec's and the commands'
# ------------------------------------------------------------------------------------------

SEVERAL_ACCOUNTS = "Several accounts in one connection"


def auth_command_options() -> set[str]:
    from source_tiktok_organic.auth.cli import build_parser

    return {o for action in build_parser()._actions for o in action.option_strings}


def sync_command_options() -> set[str]:
    from tools.sync import build_parser

    return {o for action in build_parser()._actions for o in action.option_strings}


# The connector's own command-line options (the Airbyte protocol's, parsed by the CDK's entrypoint).
CONNECTOR_OPTIONS = {"--config", "--catalog", "--state"}


def command_options(text: str) -> set[str]:
    """The ``--options`` a text names (``--account=-000…`` names ``--account``)."""
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", text))


def schema_names() -> set[str]:
    """Every stream (schema) name and record field of the manifest."""
    schemas = manifest()["schemas"]
    return set(schemas) | {field for schema in schemas.values() for field in schema["properties"]}


def test_several_accounts_section_names_the_real_config_options_and_fields(docs: str) -> None:
    """Every config key, stream, field and dbt variable the section names in code marks exists."""
    section = markdown_section(docs, SEVERAL_ACCOUNTS)
    options = dict(config_options(manifest()["spec"]["connection_specification"]))
    dbt_package = " ".join(p.read_text() for p in (REPO_ROOT / "dbt_tiktok_organic").rglob("*.sql"))
    known = set(options) | {name.rsplit(".", 1)[-1] for name in options} | schema_names()
    # Dotted names (credentials.label) and snake_case ones (business_app_requests_per_minute); plain
    # words in code marks (`states`, `label`) are checked only when they are keys of the spec.
    named = {n for n in re.findall(r"`([a-z][a-z_.\[\]]*)`", section) if "_" in n or "." in n}
    unknown = sorted(n for n in named if n not in known and not ("." not in n and n in dbt_package))
    assert not unknown, f"in the {SEVERAL_ACCOUNTS} section, not an option, field or dbt variable: {unknown}"
    for name in ("credentials.label", "credentials.accounts", "business_requests_per_minute"):
        assert normalise(options[name]["title"]) in normalise(section), f"the UI title of {name}"
    assert normalise(options["business_app_requests_per_minute"]["title"]) in normalise(section)
    assert "`account_label`" in section and "account_label" in schema_names()


def test_several_accounts_section_names_only_real_command_options(docs: str) -> None:
    section = markdown_section(docs, SEVERAL_ACCOUNTS)
    used = command_options(section)
    assert {"--business", "--add-account", "--label", "--account", "--revoke"} <= used
    assert not used - auth_command_options() - CONNECTOR_OPTIONS, (
        f"not options of tiktok-organic-auth: {used - auth_command_options() - CONNECTOR_OPTIONS}"
    )


def test_readme_several_accounts_and_sync_options_are_real() -> None:
    readme = README.read_text()
    paragraph = readme[readme.index("### Several accounts") : readme.index("## Getting a refresh token")]
    assert "(docs/tiktok-organic.md#several-accounts-in-one-connection-agencies)" in paragraph
    assert not command_options(paragraph) - auth_command_options()
    anchor = "several-accounts-in-one-connection-agencies"
    headings = [
        re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^## (.+)$", DOCS.read_text(), flags=re.M)
    ]
    assert anchor in headings, "README links to a heading that no longer exists"
    # `bash scripts/sync.sh ...` without --report runs tools.sync: its options must be tools.sync's.
    for command in re.findall(r"bash scripts/sync\.sh([^`\n#]*)", readme):
        if "--report" not in command:
            assert not command_options(command) - sync_command_options(), command
    assert "bash scripts/sync.sh --accounts" in readme


class _Lines(logging.Handler):
    """The messages a logger emits."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_documented_days_left_log_line_is_the_connectors() -> None:
    """The log line the re-consent section quotes, rendered by the connector's own functions."""
    from source_tiktok_organic import components

    section = markdown_section(DOCS.read_text(), SEVERAL_ACCOUNTS)
    quoted = re.search(r"^(The TikTok refresh token of account .+)$", section, flags=re.M)
    assert quoted, "the section quotes the days-left log line"
    parsed = re.fullmatch(
        r"The TikTok refresh token of account '(?P<label>[^']+)' \(open_id (?P<open_id>[^)]+)\) "
        r"expires in (?P<days>\d+) days; (?P<how>.+) before then to keep syncing\.",
        quoted.group(1),
    )
    assert parsed, quoted.group(1)
    business = components.TikTokBusinessOAuthAuthenticator._auth_command
    assert parsed["how"] == components._ACCOUNT_REAUTHORISE.format(command=business), "the connector's advice"
    config = {"credentials": {"accounts": [{"label": parsed["label"], "open_id": parsed["open_id"]}]}}
    account = ("credentials", "accounts", 0)
    handler = _Lines()
    components.logger.addHandler(handler)
    try:
        components._log_refresh_token_lifetime(
            int(parsed["days"]) * 86400 + 1,
            parsed["how"],
            f" of account {components.account_name(config, account)}",
        )
    finally:
        components.logger.removeHandler(handler)
    assert handler.lines == [quoted.group(1)]


if __name__ == "__main__":
    print("options:", [name for name, _ in config_options(manifest()["spec"]["connection_specification"])])
    print("manifest messages:", *manifest_error_messages(), sep="\n  ")
    for module in MESSAGE_MODULES:
        print(f"{module}:", *code_messages(module), sep="\n  ")
