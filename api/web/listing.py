"""A long list on a page: one page of it at a time, with the API's cursors, under its filters."""

from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import Select

from api.extensions import db
from api.pagination import decode_cursor, encode_cursor, paginate
from partnerhub.exchange import lists
from partnerhub.models import Handoff, Lead

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    items: list
    # Where the next (older) page is, None on the last; where the first is, None on the first.
    next_url: str | None
    first_url: str | None


def searched(filters: dict, *, partner_id: int, of: type[Lead] | type[Handoff] = Handoff) -> dict:
    """A filter form's filters with its search of the partner's handoffs (or leads) as the lists take
    it (`lists.search`)."""
    return {**filters, "q": lists.search(db.session, filters.get("q"), partner_id=partner_id, of=of)}


def page_of(stmt: Select, id_column, *, size: int = PAGE_SIZE, endpoint: str | None = None) -> Page:
    """The page of `stmt` the address's cursor asks for, newest first, with links keeping the filters;
    the links lead to `endpoint` (this request's own by default: a refused POST names its page)."""
    cursor = decode_cursor(request.args.get("cursor", ""))
    page = paginate(db.session, stmt, id_column, limit=size, cursor=cursor)
    kept = {name: value for name, value in request.args.items() if name != "cursor" and value}

    def at(**more) -> str:
        if endpoint:
            return url_for(endpoint, **kept, **more)
        return url_for(request.endpoint, **(request.view_args or {}), **kept, **more)

    return Page(
        items=page["items"],
        next_url=at(cursor=encode_cursor(page["next_cursor"])) if page["next_cursor"] else None,
        first_url=at() if cursor is not None else None,
    )
