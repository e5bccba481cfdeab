"""components.py stays one navigable file: at most ``MAX_LINES`` lines, and the index of sections in its
module docstring names every ``# --- <title> ---`` banner of the file, in order, and nothing else.

Airbyte's manifest-only runtime loads ``manifest.yaml`` plus ``components.py`` alone, so the file cannot be
split into modules; its size and its index are what keep it readable.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

COMPONENTS = Path(__file__).resolve().parent.parent / "source_tiktok_organic" / "components.py"
MAX_LINES = 1800
# A section banner: one line, `# --- <title> ` padded with dashes.
BANNER = re.compile(r"^# --- (?P<title>\S.*?) -{3,}$")
# Where the index begins in the module docstring, and one entry of it: `- <title>: <what it is for>`.
INDEX_HEADING = "Sections, in this order"
INDEX_ENTRY = re.compile(r"^- (?P<title>[^:]+): \S")


def banner_titles(text: str) -> list[str]:
    return [match["title"] for line in text.splitlines() if (match := BANNER.match(line))]


def index_titles(text: str) -> list[str]:
    docstring = ast.get_docstring(ast.parse(text)) or ""
    _, heading, index = docstring.partition(INDEX_HEADING)
    assert heading, f"the module docstring has no index ('{INDEX_HEADING} ...')"
    return [match["title"] for line in index.splitlines() if (match := INDEX_ENTRY.match(line))]


def problems(text: str) -> list[str]:
    """What is wrong with ``text`` as components.py: too long, a malformed banner, an index that does not
    list the banners."""
    found = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        found.append(f"{len(lines)} lines, more than {MAX_LINES}")
    malformed = [line for line in lines if line.startswith("# --") and not BANNER.match(line)]
    if malformed:
        found.append(f"not one-line `# --- <title> ---` banners: {malformed}")
    banners, index = banner_titles(text), index_titles(text)
    if banners != index:
        found.append(
            f"the index lists {index}, the banners are {banners}: "
            f"not in the index {[t for t in banners if t not in index]}, "
            f"no such banner {[t for t in index if t not in banners]}"
        )
    return found


def test_components_file_is_short_and_its_index_names_every_section() -> None:
    text = COMPONENTS.read_text()
    assert len(banner_titles(text)) >= 5, "the sections' banners were not found"
    assert problems(text) == []


def test_the_checks_catch_a_long_file_a_missing_entry_and_a_stray_banner() -> None:
    text = COMPONENTS.read_text()
    first, second = banner_titles(text)[:2]

    assert any("lines, more than" in p for p in problems(text + "\n" * MAX_LINES))
    unlisted = text.replace(f"\n- {first}: ", "\n- Renamed: ", 1)
    assert any(first in p and "Renamed" in p for p in problems(unlisted))
    stray = text + "\n\n# --- A section nobody listed ------------------------------------------------\n"
    assert any("A section nobody listed" in p for p in problems(stray))
    banner = next(line for line in text.splitlines() if BANNER.match(line) and second in line)
    three_line = text.replace(banner, f"# {'-' * 98}\n# {second}\n# {'-' * 98}", 1)
    assert any("one-line" in p for p in problems(three_line))
