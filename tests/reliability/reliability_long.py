"""`make reliability` sets RELIABILITY_LONG: the long parameters of the chaos tests."""

import os

LONG = os.environ.get("RELIABILITY_LONG", "") not in ("", "0")
