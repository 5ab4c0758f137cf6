"""The Customers page in Chromium: a file goes up with a progress bar, then the page tells what came of it."""

from playwright.sync_api import expect


def test_a_manager_uploads_a_file_and_reads_the_count_and_the_refused_lines(build, open_as, tmp_path):
    manager = build.user(build.partner("Acme"), "manager")
    file = tmp_path / "customers.csv"
    file.write_text("email,phone\nbuyer@one.example,\nnot-an-address,\n,030 1234567\n")
    page = open_as(manager)
    messages, posts = [], []
    page.on("console", lambda message: messages.append(message.text))
    page.on("request", lambda request: request.method == "POST" and posts.append(request.resource_type))

    page.goto("/customers")
    page.get_by_label("CSV file").set_input_files(str(file))
    page.get_by_role("button", name="Upload and replace").click()

    expect(page.get_by_text("Customer list replaced: 2 customers.")).to_be_visible()
    expect(page.get_by_text("Line 3: email must be an email address")).to_be_visible()
    expect(page.get_by_text("2 customers, uploaded")).to_be_visible()
    assert page.url.endswith("/customers")
    # Sent by the script, whose upload events move the progress bar.
    assert posts == ["xhr"]
    assert not [m for m in messages if "Content Security Policy" in m]
