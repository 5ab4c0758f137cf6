"""Which door a request came through: the JSON API under /api/, or the pages everywhere else.

Errors, the page session and the request log each answer differently per door; they all ask
here, so none of them needs another to know.
"""

from flask import request

API_PREFIX = "/api/"


def for_api() -> bool:
    """Whether this request is the JSON API's (problem+json, bearer tokens) or a page's (HTML, cookie)."""
    return request.path.startswith(API_PREFIX)
