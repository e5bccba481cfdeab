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

Modules, by what they cover: ``harness`` (shared constants, how a step reports, running the image
and the installed package), ``image`` (build context, build, what the image holds), ``commands``
(spec, check, discover, read, the incremental and business reads), ``hand_runs`` (a mounted config
file kept live by hand runs), ``__main__`` (the steps in order).
"""
