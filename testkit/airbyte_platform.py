"""The Airbyte platform, as far as a source's config goes: what it stores, which config each
operation runs on, and which CONNECTOR_CONFIG messages it keeps.

Read from ``airbytehq/airbyte-platform`` (the snapshot of 2026-08-21, 310e6cb);
docs/tiktok-organic.md, "Set-up in the Airbyte UI", names the code behind each rule:

1. A new source's check (the UI's "Set up source") runs with no actor id: whatever config it emits
   is dropped, and the source is created from the form's own config.
2. An existing source's check (Retest, a sync's check step) and discover run on the stored config,
   read when the operation is created; an emitted config that differs from it is saved.
3. Editing a source: the check runs on the stored config overlaid with the form, the form's masked
   secrets taken from the stored config. If the check emitted a new config, it stays and the form
   is reloaded; otherwise the form is saved, masked secrets again taken from the stored config.
4. A scheduled sync runs a check step only when the last job or attempt failed, a discover at most
   once a day, then the read, whose config is read from the database when it starts; each
   CONNECTOR_CONFIG the read emits is saved as soon as it is read.

The connector runs through a ``Connector`` (in this process, or Airbyte's manifest-only runtime),
with its clock set to the platform's (``time_passes``), so "a day later" needs no change to the
stored config.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from airbyte_cdk.models import ConfiguredAirbyteCatalog, Status

from testkit.catalogs import configure
from testkit.connector_output import ConnectorOutput

__all__ = ["AirbytePlatform", "Connector", "Operation", "SetupRefused", "SyncJob"]

# What the platform shows for a stored secret in a form it loads.
MASK = "**********"
# Discover runs at most once per source in this window (WorkloadIdGenerator's
# DISCOVER_REFRESH_WINDOW_MINUTES, 1440 by default).
DISCOVER_WINDOW_SECONDS = 24 * 3600.0


class Connector(Protocol):
    """A connector command run with ``config``, the connector's clock ``clock_ahead`` seconds past
    the wall clock."""

    def __call__(
        self,
        command: str,
        config: Mapping[str, Any],
        *,
        clock_ahead: float,
        catalog: ConfiguredAirbyteCatalog | None = None,
        state: list[Mapping[str, Any]] | None = None,
    ) -> ConnectorOutput: ...


class SetupRefused(AssertionError):
    """The UI's setup check failed, so no source was created."""


@dataclass
class Operation:
    """One operation as the platform created it: its kind, the config it runs on (a copy taken
    when it was created) and whether the source exists (an actor id)."""

    platform: AirbytePlatform
    command: str
    config: dict[str, Any]
    actor_id: str | None
    catalog: ConfiguredAirbyteCatalog | None = None
    state: list[Mapping[str, Any]] | None = None

    def run(self) -> ConnectorOutput:
        output = self.platform.connector(
            self.command,
            self.config,
            clock_ahead=self.platform.clock,
            catalog=self.catalog,
            state=self.state,
        )
        self.platform.keep_emitted_configs(self, output)
        return output


@dataclass
class SyncJob:
    """What one scheduled sync ran (None: the step did not run)."""

    check: ConnectorOutput | None = None
    discover: ConnectorOutput | None = None
    read: ConnectorOutput | None = None

    @property
    def succeeded(self) -> bool:
        if self.check is not None and self.check.connection_status.status != Status.SUCCEEDED:
            return False
        return self.read is not None and self.read.returncode in (0, None) and not self.read.errors


@dataclass
class AirbytePlatform:
    """One source on the platform, driven through the UI's and the scheduler's sequences."""

    connector: Connector
    # The source's config in the database (None until the source is created), and its actor id.
    stored: dict[str, Any] | None = None
    actor_id: str | None = None
    # The platform's clock: seconds past the wall clock (time_passes).
    clock: float = 0.0
    # Which paths of a config are secrets (masked in a loaded form): from the connector's spec.
    is_secret: Callable[[tuple[str | int, ...]], bool] = lambda path: False
    streams: tuple[str, ...] = ()
    catalog: ConfiguredAirbyteCatalog | None = None
    state: list[Mapping[str, Any]] | None = None
    last_job_failed: bool = False
    last_discover_at: float | None = None
    # Every CONNECTOR_CONFIG the platform saved, and every one it dropped, in order.
    saved: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)

    # -- time ------------------------------------------------------------------------------------
    def time_passes(self, seconds: float) -> None:
        self.clock += seconds

    # -- operations, as the platform creates them ------------------------------------------------
    def check_new_source(self, form: Mapping[str, Any]) -> Operation:
        return Operation(self, "check", copy.deepcopy(dict(form)), actor_id=None)

    def check_source(self) -> Operation:
        return Operation(self, "check", self._stored_copy(), actor_id=self._actor())

    def discover_source(self) -> Operation:
        return Operation(self, "discover", self._stored_copy(), actor_id=self._actor())

    def start_read(self) -> Operation:
        """A read whose replication input was just hydrated from the database."""
        if self.catalog is None:
            raise AssertionError("no catalog: discover the source first")
        return Operation(
            self, "read", self._stored_copy(), self._actor(), catalog=self.catalog, state=self.state
        )

    def keep_emitted_configs(self, operation: Operation, output: ConnectorOutput) -> None:
        """Save what the platform saves of ``output``'s CONNECTOR_CONFIG messages; note the rest."""
        emitted = output.emitted_configs
        if operation.command == "read":
            for config in emitted:  # each one as soon as it is read
                self._save(config)
            return
        if not emitted:
            return
        if operation.actor_id is None:
            self.dropped.extend(emitted)
            return
        if emitted[-1] != operation.config:  # the most recent one, if it changed anything
            self._save(emitted[-1])

    # -- the UI ----------------------------------------------------------------------------------
    def create_source(self, form: Mapping[str, Any]) -> ConnectorOutput:
        """Set up a source: the pre-save check, then, if it passed, the source is created from the
        form's own config."""
        check = self.check_new_source(form).run()
        if check.connection_status.status != Status.SUCCEEDED:
            raise SetupRefused(check.connection_status.message)
        self.stored = copy.deepcopy(dict(form))
        self.actor_id = "source-1"
        return check

    def retest(self) -> ConnectorOutput:
        return self.check_source().run()

    def refresh_schema(self) -> ConnectorOutput:
        discover = self.discover_source().run()
        self.catalog = configure(discover.catalog, incremental=True, only=self.streams)
        self.last_discover_at = self.clock
        return discover

    def load_edit_form(self) -> dict[str, Any]:
        """The source's settings page: the stored config, every secret masked."""
        form: dict[str, Any] = _mask(self._stored_copy(), self.is_secret)
        return form

    def save_edit(self, form: Mapping[str, Any]) -> ConnectorOutput:
        """ "Save changes": the check of the edited config, then either the reload (the check saved a
        new config) or the save of the form."""
        edited = self._unmasked(form)
        operation = Operation(self, "check", {**self._stored_copy(), **edited}, actor_id=self._actor())
        saved_before = len(self.saved)
        check = operation.run()
        if check.connection_status.status != Status.SUCCEEDED:
            raise SetupRefused(check.connection_status.message)
        if len(self.saved) == saved_before:
            self.stored = self._unmasked(form)
        return check

    # -- the scheduler ---------------------------------------------------------------------------
    def scheduled_sync(self) -> SyncJob:
        job = SyncJob()
        if self.last_job_failed:
            job.check = self.check_source().run()
            if job.check.connection_status.status != Status.SUCCEEDED:
                return job
        if self.last_discover_at is None or self.clock - self.last_discover_at >= DISCOVER_WINDOW_SECONDS:
            job.discover = self.refresh_schema()
        job.read = self.start_read().run()
        self.last_job_failed = not job.succeeded
        if job.succeeded:
            self.state = list(job.read.final_state) or self.state
        return job

    # -- the database ----------------------------------------------------------------------------
    def _save(self, config: dict[str, Any]) -> None:
        self.stored = copy.deepcopy(config)
        self.saved.append(copy.deepcopy(config))

    def _stored_copy(self) -> dict[str, Any]:
        if self.stored is None:
            raise AssertionError("the source does not exist yet")
        return copy.deepcopy(self.stored)

    def _actor(self) -> str:
        if self.actor_id is None:
            raise AssertionError("the source does not exist yet")
        return self.actor_id

    def _unmasked(self, form: Mapping[str, Any]) -> dict[str, Any]:
        """The form with each masked secret replaced by the stored one (copySecrets)."""
        unmasked: dict[str, Any] = _unmask(copy.deepcopy(dict(form)), self._stored_copy())
        return unmasked


def _mask(
    node: Any, is_secret: Callable[[tuple[str | int, ...]], bool], path: tuple[str | int, ...] = ()
) -> Any:
    if isinstance(node, dict):
        return {key: _mask(value, is_secret, (*path, key)) for key, value in node.items()}
    if isinstance(node, list):
        return [_mask(value, is_secret, (*path, index)) for index, value in enumerate(node)]
    return MASK if is_secret(path) and node is not None else node


def _unmask(form: Any, stored: Any) -> Any:
    if form == MASK:
        return stored
    if isinstance(form, dict):
        stored_dict = stored if isinstance(stored, dict) else {}
        return {key: _unmask(value, stored_dict.get(key)) for key, value in form.items()}
    if isinstance(form, list):
        stored_list = stored if isinstance(stored, list) else []
        return [
            _unmask(value, stored_list[index] if index < len(stored_list) else None)
            for index, value in enumerate(form)
        ]
    return form


def secret_paths_of(connection_specification: Mapping[str, Any]) -> Callable[[tuple[str | int, ...]], bool]:
    """Whether a config path is a field the spec marks ``airbyte_secret`` (list indexes and the
    options of a ``oneOf`` are looked through)."""

    def is_secret(path: tuple[str | int, ...]) -> bool:
        nodes: list[Mapping[str, Any]] = [connection_specification]
        for step in path:
            following: list[Mapping[str, Any]] = []
            for node in nodes:
                for option in [node, *(node.get("oneOf") or ())]:
                    if isinstance(step, int):
                        items = option.get("items")
                        if isinstance(items, Mapping):
                            following.append(items)
                    else:
                        child = (option.get("properties") or {}).get(step)
                        if isinstance(child, Mapping):
                            following.append(child)
            nodes = following
        return any(node.get("airbyte_secret") is True for node in nodes)

    return is_secret
