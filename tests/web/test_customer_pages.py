"""The Customers page: a manager replaces the list with a CSV file and reads how many it holds, never who."""

import io

from tests.web.conftest import csrf_token


def _upload(client, text: str, *, allow_empty: bool = False):
    token = csrf_token(client.get("/customers").text)
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode()), "customers.csv")}
    if allow_empty:
        data["allow_empty"] = "y"
    return client.post(
        "/customers",
        data=data,
        content_type="multipart/form-data",
        # As a browser sends it: a refused form goes back where it came from.
        headers={"Referer": "http://localhost/customers"},
        follow_redirects=True,
    )


def test_a_manager_uploads_a_csv_and_sees_the_count_and_the_bad_lines_never_the_customers(
    build, client, sign_in
):
    sign_in(build.user(build.partner(), "manager"))

    page = _upload(client, "email,phone\nsecret@hidden.example,\nnot-an-address,\n,030 7654321\n")

    assert page.status_code == 200
    assert "Customer list replaced: 2 customers." in page.text
    assert "Line 3: email must be an email address" in page.text
    assert "2 customers, uploaded" in page.text
    assert "secret@hidden.example" not in page.text
    assert "7654321" not in page.text
    assert "not-an-address" not in page.text


def test_an_upload_with_no_customer_is_refused_unless_asked_for(build, client, sign_in):
    sign_in(build.user(build.partner(), "manager"))
    _upload(client, "email\nkeep@acme.example\n")

    refused = _upload(client, "email\n")
    emptied = _upload(client, "email\n", allow_empty=True)

    assert "would empty the list" in refused.text
    assert "1 customer, uploaded" in refused.text
    assert "0 customers, uploaded" in emptied.text


def test_an_upload_without_the_forms_token_is_refused(build, client, sign_in):
    sign_in(build.user(build.partner(), "manager"))

    page = client.post(
        "/customers",
        data={"file": (io.BytesIO(b"email\na@b.example\n"), "c.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "The form had expired" in page.text
    assert "No list uploaded yet." in page.text


def test_only_managers_see_the_customers_page(build, client, sign_in):
    sign_in(build.user(build.partner(), "rep"))

    assert client.get("/customers").status_code == 403
    assert client.post("/customers", data={}).status_code == 403


def test_the_partnership_page_shows_customers_in_common_once_both_managers_share_them(
    build, client, sign_in, session
):
    mine, theirs = build.partner("Mine"), build.partner("Theirs")
    partnership = build.partnership(mine, theirs)
    partnership.responder_shares_overlap = True
    session.commit()
    build.customers(mine, [{"email": "both@x.example"}])
    build.customers(theirs, [{"email": "both@x.example"}])
    sign_in(build.user(mine, "manager"))
    page = f"/partnerships/{partnership.id}"

    before = client.get(page).text
    token = csrf_token(before)
    after = client.post(
        f"{page}/overlap-sharing?share=true", data={"csrf_token": token}, follow_redirects=True
    ).text
    before, after = " ".join(before.split()), " ".join(after.split())

    assert "You do not share how many customers you have in common; Theirs does." in before
    assert "Yes, share customers in common" in before
    assert "Your customer lists have 1 contact in common" in after
