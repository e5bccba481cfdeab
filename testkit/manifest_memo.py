"""The CDK's work on the manifest, done once per test process instead of once per in-process run.

Every run builds a new source, and the CDK's declarative source then re-reads its own component
schema (a YAML file of 4,000 lines), resolves the manifest's references and validates it against that
schema: about 0.4 s of CPU a run, pure functions of two files that do not change while the tests run.
The connector runs one command per process and pays this once; the suite runs about a thousand in a
few processes, so it keeps the results. Each run still gets its own copy of the resolved manifest,
and a manifest a test changed is resolved and validated afresh (the key is the manifest itself).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from airbyte_cdk.sources.declarative import concurrent_declarative_source as cdk_source

__all__ = ["install"]


@cache  # once per process, however many conftests call it
def install() -> None:
    """Memoize the schema, the resolution and the validation."""
    source_class = cdk_source.ConcurrentDeclarativeSource
    resolve, validate = source_class._pre_process_manifest, source_class._validate_source
    resolved: dict[str, dict[str, Any]] = {}
    valid: set[str] = set()

    def resolve_once(self: Any, manifest: dict[str, Any]) -> dict[str, Any]:
        key = json.dumps(manifest, sort_keys=True, default=str)
        if key not in resolved:  # a copy: the result shares objects the run goes on to change
            resolved[key] = copy.deepcopy(resolve(self, manifest))
        return copy.deepcopy(resolved[key])

    def validate_once(self: Any) -> None:
        key = json.dumps(self._source_config, sort_keys=True, default=str)
        if key not in valid:
            validate(self)  # raises for an invalid manifest, which is therefore never remembered
            valid.add(key)

    cdk_source.get_declarative_component_schema = cache(cdk_source.get_declarative_component_schema)
    source_class._pre_process_manifest = resolve_once  # type: ignore[method-assign]
    source_class._validate_source = validate_once  # type: ignore[method-assign]
