"""The inbox in a real browser: a search narrows it, and a recall asks before it acts."""

from sqlalchemy import select

from partnerhub.models import Handoff
from tests.web.conftest import screenshot


def test_a_rep_searches_the_inbox_by_the_buyers_name_and_the_search_stays_in_the_box(build, open_as):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    for name in ("Greta Wolf", "Hans Berg", "Gustav Wolf"):
        build.handoff(sender, receiver, name=name)
    page = open_as(build.user(receiver, "rep"))
    page.goto("/inbox")

    search = page.get_by_role("search", name="Search the inbox")
    search.get_by_label("Search").fill("gu")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url("**/inbox?q=gu*")
    screenshot(page, "inbox-search")

    waiting = page.get_by_role("region", name="Waiting for you")
    assert waiting.get_by_role("heading", level=3).all_inner_texts() == ["Gustav Wolf"]
    assert search.get_by_label("Search").input_value() == "gu"
    page.get_by_role("link", name="Show all").click()
    assert len(page.get_by_role("region", name="Waiting for you").get_by_role("heading", level=3).all()) == 3


def test_a_recall_asks_first_and_acts_only_on_the_second_click(build, open_as, session):
    sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
    handoff = build.handoff(sender, receiver, name="Greta Wolf")
    page = open_as(build.user(sender, "rep"))
    page.goto("/inbox")

    page.get_by_text("Recall…").click()
    assert page.get_by_text("Recall the lead of Greta Wolf from Montagewerk?").is_visible()
    page.reload()
    assert page.get_by_role("cell", name="Sent", exact=True).is_visible()
    page.get_by_text("Recall…").click()
    page.get_by_role("button", name="Yes, recall").click()

    assert "Lead of Greta Wolf recalled." in page.get_by_role("status").first.inner_text()
    session.expire_all()
    assert session.scalar(select(Handoff.status).where(Handoff.id == handoff.id)) == "recalled"
