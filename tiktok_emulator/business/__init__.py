"""The API for Business's Accounts API as the emulator serves it: every business account's OAuth
(``oauth``), data endpoints (``api``, ``comment_api``, ``benchmark``) and generated data (``data``,
``media``, ``comments``), with the parameter checks (``params``), the inferred field -> scope map
(``scopes``) and the ``{code, message, request_id, data}`` answer (``envelope``)."""
