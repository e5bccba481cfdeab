# source-tiktok-organic image: `docker run <image> spec|check|discover|read ...`, and what Airbyte starts.
#
#   docker build -t airbyte/source-tiktok-organic:0.1.0 .
#   podman build --build-arg BASE_IMAGE=localhost/python-base:3.11 ...   # machines without a registry
#
# BASE_IMAGE is an argument so machines without a registry can build from a local stand-in of the
# official image; both stages must use the same one (the virtualenv links to its interpreter).
# scripts/image_test.sh builds this file and runs all four commands in the container;
# integration_tests/test_packaging.py keeps the labels equal to metadata.yaml and pyproject.toml.
ARG BASE_IMAGE=python:3.11-slim

# ---- build: a virtualenv with the connector and its runtime dependencies, nothing else ----------
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/connector
WORKDIR /build

# Dependencies first, read from pyproject.toml's [project.dependencies] (never the dev extra), so a
# change to the connector's code reuses this layer.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && /opt/connector/bin/pip install --requirement /tmp/requirements.txt

# Then the connector itself. For size, the installers (not needed at run time) and the test suites
# numpy and pandas ship (~60 MB) leave the virtualenv.
COPY source_tiktok_organic ./source_tiktok_organic
RUN /opt/connector/bin/pip install --no-deps . \
 && /opt/connector/bin/pip check \
 && /opt/connector/bin/pip uninstall --yes pip setuptools \
 && site=$(/opt/connector/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
 && rm -rf "$site/pandas/tests" "$site"/numpy/tests "$site"/numpy/*/tests \
 && rm -f /opt/connector/bin/activate* /opt/connector/bin/Activate.ps1

# ---- runtime: the base image plus the virtualenv, run by an unprivileged user -------------------
FROM ${BASE_IMAGE}
# The code belongs to root and is read-only for the user that runs it.
RUN useradd --create-home --home-dir /home/airbyte --uid 1000 --user-group --shell /usr/sbin/nologin airbyte
COPY --from=build /opt/connector /opt/connector
ENV PATH="/opt/connector/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AIRBYTE_ENTRYPOINT="/opt/connector/bin/source-tiktok-organic"
USER airbyte
WORKDIR /home/airbyte
LABEL io.airbyte.name="airbyte/source-tiktok-organic" \
      io.airbyte.version="0.1.0"
ENTRYPOINT ["/opt/connector/bin/source-tiktok-organic"]
