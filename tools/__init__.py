"""Programs that are not tests, run from the repository root as modules (``python -m tools.sync``):
the demo sync, the benchmark, the container image checks and the PyAirbyte driver.

``scripts/*.sh`` prepare the environment and run them. Nothing here ships in the wheel or the image.
This package imports nothing itself: ``tools.pyairbyte_driver`` runs under PyAirbyte's own
virtualenv, which has neither the connector nor the test tools.
"""
