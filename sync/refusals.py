"""The one registry of refusal and error codes (refusals.json): code -> {"status", "message"}.

`status` is the HTTP status the server answers with, "item" for a refusal of one pushed item
(inside a 200 push result), "problem" for what a client finds in a pulled item itself, or a list
when a code is used in more than one of these ways. `message` is English for people; the PWA
shows `refusal.<code>` from its translations instead (a test keeps every code in every language).
"""

import json
import os

with open(os.path.join(os.path.dirname(__file__), "refusals.json"), encoding="utf-8") as _f:
    REGISTRY = json.load(_f)


def statuses(code):
    """The statuses a code is registered with, as a list."""
    status = REGISTRY[code]["status"]
    return status if isinstance(status, list) else [status]


def message(code):
    """The English message of a registered code (KeyError for an unregistered one)."""
    return REGISTRY[code]["message"]
