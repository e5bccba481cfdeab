# source-tiktok-organic image: `docker run <image> spec|check|discover|read`.
# BASE_IMAGE is an argument so machines without a registry can build from a local stand-in.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /build
RUN python -m venv /opt/connector
COPY pyproject.toml README.md ./
COPY source_tiktok_organic ./source_tiktok_organic
RUN /opt/connector/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM ${BASE_IMAGE}
COPY --from=build /opt/connector /opt/connector
ENV PATH="/opt/connector/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    AIRBYTE_ENTRYPOINT="source-tiktok-organic"
RUN useradd --create-home --uid 1000 airbyte
USER airbyte
WORKDIR /home/airbyte
LABEL io.airbyte.name=airbyte/source-tiktok-organic \
      io.airbyte.version=0.1.0
ENTRYPOINT ["source-tiktok-organic"]
