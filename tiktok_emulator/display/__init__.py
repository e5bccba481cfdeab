"""TikTok's Open API v2 as the emulator serves it: Login Kit's OAuth (``oauth``), the Display API's
user/info, video/list and video/query (``api``), the generated creator account (``data``) and v2's
``{"data", "error"}`` envelope (``envelope``)."""
