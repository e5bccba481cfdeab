"""The connector run in this process through its real entrypoint, as ``source-tiktok-organic`` runs.

For tests that change something only this process can (the clock, mocked HTTP); everything else runs
the console script (``console_script``). The output is what the command would have printed: the
entrypoint's messages, then what went to stdout directly (the CONNECTOR_CONFIG control messages).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalog
from airbyte_cdk.test.entrypoint_wrapper import make_file

from source_tiktok_organic.cdk_internals import run_command
from source_tiktok_organic.run import _create_source
from testkit.catalogs import catalog_json, configured_catalog
from testkit.connector_output import ConnectorOutput

__all__ = ["run_in_process"]


def run_in_process(
    workdir: Path,
    command: str,
    config: dict[str, Any],
    catalog: ConfiguredAirbyteCatalog | None = None,
    debug: bool = False,
    state: list[Mapping[str, Any]] | None = None,
) -> ConnectorOutput:
    args = [command]
    if command != "spec":
        args += ["--config", make_file(workdir / "config.json", config)]
    if command == "read":
        args += [
            "--catalog",
            make_file(workdir / "catalog.json", catalog_json(catalog or configured_catalog())),
        ]
    if state is not None:
        args += ["--state", make_file(workdir / "state.json", state)]
    if debug:
        args.append("--debug")
    printed = io.StringIO()
    with redirect_stdout(printed):
        output = run_command(_create_source(args), args)
        messages = [json.dumps(AirbyteMessageSerializer.dump(m)) for m in output.get_message_iterator()]
    return ConnectorOutput("\n".join([*messages, printed.getvalue()]), "", command=" ".join(args))
