"""`flask partnerhub import-leads`: bulk intake through the same routing, bad rows reported."""

import json

from sqlalchemy import select

from partnerhub.models import Lead

CSV = """external_id,name,email,phone,company,category,need,region,consent
a-1,Ada Buyer,ada@example.test,,Ada GmbH,window-installation,Six windows,DE-BE,yes
a-2,Bob Buyer,not-an-email,,,window-installation,,DE-BE,yes
a-3,Cy Buyer,,+49 30 55,,window-installation,Doors too,DE-BE,no
a-1,Dup Buyer,dup@example.test,,,window-installation,,DE-BE,yes
a-5,Eve Buyer,eve@example.test,,,no-such-category,,DE-BE,yes
a-6,Fay Buyer,fay@example.test,,,window-installation,,FR,yes
a-7,Gus Buyer,gus@example.test,,,window-installation,,DE-BE,maybe
"""


def test_import_routes_the_good_rows_and_reports_the_bad_ones(runner, build, session, tmp_path):
    sender = build.partner("Windows Co", lines=["windows"])
    build.partnership(sender, build.partner("Fitters Co", lines=["window-installation"]))
    path = tmp_path / "leads.csv"
    path.write_text(CSV)

    result = runner.invoke(
        args=["partnerhub", "import-leads", str(path), "--partner", "Windows Co", "--json"]
    )

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.exit_code == 0
    assert {k: report[k] for k in ("rows", "routed", "unrouted", "not_qualified")} == {
        "rows": 7,
        "routed": 1,
        "unrouted": 1,
        "not_qualified": 1,
    }
    assert report["rejected"] == [
        {"row": 3, "errors": {"contact.email": ["must be an email address such as name@example.com"]}},
        {"row": 5, "errors": {"_row": ["Lead 'a-1' was already received."]}},
        {"row": 6, "errors": {"need.category": ["unknown category 'no-such-category'"]}},
        {"row": 8, "errors": {"consent": ["Not a valid boolean."]}},
    ]
    stored = session.scalars(select(Lead).order_by(Lead.id)).all()
    assert [(lead.external_id, lead.source) for lead in stored] == [
        ("a-1", "csv"),
        ("a-3", "csv"),
        ("a-6", "csv"),
    ]


def test_import_prints_a_readable_report(runner, build, tmp_path):
    build.partner("Windows Co", lines=["windows"])
    build.category("window-installation")
    path = tmp_path / "leads.csv"
    path.write_text(CSV)

    result = runner.invoke(args=["partnerhub", "import-leads", str(path), "--partner", "Windows Co"])

    assert "7 rows: 0 routed, 2 unrouted, 1 not qualified, 4 rejected." in result.stdout
    assert "row 3: contact.email: must be an email address such as name@example.com" in result.stdout


def test_import_for_an_unknown_partner_fails_clearly(runner, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(CSV)

    result = runner.invoke(args=["partnerhub", "import-leads", str(path), "--partner", "Nobody"])

    assert result.exit_code != 0
    assert "No partner 'Nobody'" in result.output


def test_a_row_with_text_no_database_can_store_is_reported_not_a_crash(runner, build, tmp_path):
    build.partner("Windows Co", lines=["windows"])
    path = tmp_path / "leads.csv"
    path.write_text(
        CSV.splitlines()[0] + "\nb-1,Nul\x00Buyer,nul@example.test,,,window-installation,Fits\x00,DE-BE,yes\n"
    )

    result = runner.invoke(
        args=["partnerhub", "import-leads", str(path), "--partner", "Windows Co", "--json"]
    )

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.exit_code == 0
    assert report["rejected"] == [
        {
            "row": 2,
            "errors": {
                "contact.name": ["contains a character that is not text (NUL or a lone UTF-16 surrogate)"],
                "need.text": ["contains a character that is not text (NUL or a lone UTF-16 surrogate)"],
            },
        }
    ]
