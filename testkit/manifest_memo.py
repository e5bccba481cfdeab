"""The CDK's work on the manifest, done once per test process instead of once per in-process run.

Every run builds a new source, and the CDK's declarative source then parses manifest.yaml, re-reads
its own component schema (a YAML file of 4,000 lines), resolves the manifest's references and
validates it against that schema: about 0.45 s of CPU a run, pure functions of two files that do not
change while the tests run (the manifest's parse is keyed by the file's path, size and mtime).
The connector runs one command per process and pays this once; the suite runs about a thousand in a
few processes, so it keeps the results. Each run still gets its own copy of the resolved manifest,
and a manifest a test changed is resolved and validated afresh (the key is the manifest itself).
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from typing import Any

import orjson
from airbyte_cdk.sources.declarative import concurrent_declarative_source as cdk_source
from airbyte_cdk.sources.declarative import yaml_declarative_source as yaml_source

__all__ = ["install"]


class _Frozen:
    """A manifest kept for later runs, each of which gets its own copy (``thawed``): as JSON bytes,
    which orjson turns back into a new manifest about twice as fast as ``copy.deepcopy`` copies one,
    or, for a manifest JSON cannot hold, the object itself, deep-copied."""

    def __init__(self, manifest: Any) -> None:
        try:
            self._json: bytes | None = orjson.dumps(manifest)
        except TypeError:
            self._json = None
        if self._json is not None and orjson.loads(self._json) != manifest:
            self._json = None  # a tuple, say, which JSON would turn into a list
        self._manifest = None if self._json is not None else copy.deepcopy(manifest)

    def thawed(self) -> Any:
        return orjson.loads(self._json) if self._json is not None else copy.deepcopy(self._manifest)


def _key(manifest: Any) -> bytes:
    """The manifest as sorted JSON: a resolved manifest is about 1.6 MB of it, which the standard
    library's ``json`` took about 8% of the unit tests' CPU to write on every run."""
    try:
        return orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:  # what orjson cannot write (an integer past 64 bits, say)
        return json.dumps(manifest, sort_keys=True, default=str).encode()


@cache  # once per process, however many conftests call it
def install() -> None:
    """Memoize the schema, the resolution and the validation."""
    source_class = cdk_source.ConcurrentDeclarativeSource
    resolve, validate = source_class._pre_process_manifest, source_class._validate_source
    parse = yaml_source.YamlDeclarativeSource._read_and_parse_yaml_file
    parsed: dict[tuple[str, int, int], _Frozen] = {}
    resolved: dict[bytes, _Frozen] = {}
    valid: set[bytes] = set()

    def resolve_once(self: Any, manifest: dict[str, Any]) -> dict[str, Any]:
        key = _key(manifest)
        if key not in resolved:  # a copy: the result shares objects the run goes on to change
            resolved[key] = _Frozen(resolve(self, manifest))
        thawed: dict[str, Any] = resolved[key].thawed()
        return thawed

    def parse_once(self: Any, path_to_yaml_file: str) -> Any:
        try:
            stat = os.stat(path_to_yaml_file)
        except OSError:
            return parse(self, path_to_yaml_file)  # the CDK's own answer (its package-data fallback)
        key = (os.path.abspath(path_to_yaml_file), stat.st_mtime_ns, stat.st_size)
        if key not in parsed:
            parsed[key] = _Frozen(parse(self, path_to_yaml_file))
        return parsed[key].thawed()

    def validate_once(self: Any) -> None:
        key = _key(self._source_config)
        if key not in valid:
            validate(self)  # raises for an invalid manifest, which is therefore never remembered
            valid.add(key)

    cdk_source.get_declarative_component_schema = cache(cdk_source.get_declarative_component_schema)
    source_class._pre_process_manifest = resolve_once  # type: ignore[method-assign]
    source_class._validate_source = validate_once  # type: ignore[method-assign]
    yaml_source.YamlDeclarativeSource._read_and_parse_yaml_file = parse_once  # type: ignore[method-assign]
