# source-tiktok-organic image: `docker run <image> spec|check|discover|read ...`, and what Airbyte starts.
#
#   docker build -t airbyte/source-tiktok-organic:0.3.0 .
#   docker build --network host ...   # where dockerd runs without a bridge network (../shared/tools/container-engine)
#
# BASE_IMAGE is an argument so machines without a registry can build from a local stand-in of the
# official image; both stages must use the same one (the virtualenv links to its interpreter).
# scripts/image_test.sh builds this file and runs all four commands in the container;
# integration_tests/test_packaging.py keeps the labels equal to metadata.yaml and pyproject.toml.
# Few instructions on purpose: under Docker's vfs storage driver every instruction, even ENV or
# LABEL, copies the whole image so far; metadata therefore comes before the large COPY.
ARG BASE_IMAGE=python:3.11-slim

# ---- build: a virtualenv with the connector and what it runs with, nothing else ----------------
FROM ${BASE_IMAGE} AS build

# Dependencies first, read from pyproject.toml's [project.dependencies] (never the dev extra), so a
# change to the connector's code or README reuses this layer. airbyte-cdk also requires packages
# that only its file-based sources, its developer CLI and its secret-manager client import
# (pandas, numpy, nltk, grpc and google-cloud, rapidfuzz, dateparser, rich, ...: ~170 MB); the
# declarative runtime this connector uses never imports them, so they leave the virtualenv.
# scripts/image_test.sh proves it: it imports every module of the declarative framework in the
# image and runs spec, check, discover and read there.
COPY pyproject.toml /build/
RUN export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 \
 && python -m venv /opt/connector \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('/build/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && /opt/connector/bin/pip install --quiet --requirement /tmp/requirements.txt \
 && /opt/connector/bin/pip check \
 && /opt/connector/bin/pip uninstall --quiet --yes \
        pandas numpy nltk joblib regex dateparser tzlocal rapidfuzz unidecode \
        grpcio grpcio-status grpc-google-iam-v1 google-cloud-secret-manager google-api-core \
        google-auth googleapis-common-protos proto-plus protobuf pyasn1 pyasn1-modules \
        rich rich-click pygments markdown-it-py mdurl \
 && find /opt/connector -depth -type d -empty -delete   # namespace directories (google/) left behind

# Then the connector itself; the installers (not needed at run time) leave the virtualenv.
COPY README.md /build/
COPY source_tiktok_organic /build/source_tiktok_organic
RUN export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 \
 && /opt/connector/bin/pip install --quiet --no-deps /build \
 && /opt/connector/bin/pip uninstall --quiet --yes pip setuptools \
 && rm -f /opt/connector/bin/activate* /opt/connector/bin/Activate.ps1

# ---- runtime: the base image plus the virtualenv, run by an unprivileged user -------------------
FROM ${BASE_IMAGE}
RUN useradd --create-home --home-dir /home/airbyte --uid 1000 --user-group --shell /usr/sbin/nologin airbyte
ENV PATH="/opt/connector/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AIRBYTE_ENTRYPOINT="/opt/connector/bin/source-tiktok-organic"
LABEL io.airbyte.name="airbyte/source-tiktok-organic" \
      io.airbyte.version="0.3.0"
WORKDIR /home/airbyte
ENTRYPOINT ["/opt/connector/bin/source-tiktok-organic"]
# The code belongs to root (COPY ignores USER) and is read-only for the user that runs it.
COPY --from=build /opt/connector /opt/connector
USER airbyte
