"""TikTok's documented facts, the emulator's own copy: one module per API, each group citing the
page it was read from.  Nothing here imports the connector (see ``unit_tests/test_protocol_facts.py``,
which compares the two copies)."""
