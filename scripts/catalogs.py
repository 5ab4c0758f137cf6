"""The translation catalogs: extract the messages, update the catalogs, compile them, check them.

    python scripts/catalogs.py extract   # core/translations/messages.pot from the code and templates
    python scripts/catalogs.py update    # extract, then bring de and ru up to it (new messages empty)
    python scripts/catalogs.py compile   # the .mo files the app reads (make install does this)
    python scripts/catalogs.py check     # fails naming each message not in a catalog, untranslated or fuzzy

The check extracts afresh, so a string marked in a template but missing from a catalog fails it
as surely as one left untranslated (tests/test_translations.py runs it in `make test`).
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "partnerhub" / "core" / "translations"
TEMPLATE = CATALOGS / "messages.pot"
LANGUAGES = ("de", "ru")
# The domain's markers beside gettext's own: N_ (a message shown elsewhere), Nn_ (one with its
# plural), phrase and nphrase (a sentence with placeholders), _l (a form label, translated when shown).
KEYWORDS = ["-k", "_l", "-k", "Nn_:1,2", "-k", "phrase", "-k", "nphrase:1,2"]
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def _pybabel(*args: str) -> None:
    subprocess.run([*PYBABEL, "--quiet", *args], cwd=ROOT, check=True)


def extract(output: Path = TEMPLATE) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    # No source lines in the catalogs: they would change with every edit and conflict at every merge.
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        *KEYWORDS,
        "--no-location",
        "--sort-output",
        "--project",
        "PartnerHub",
        "-o",
        str(output),
        ".",
    )


def update() -> None:
    extract()
    for language in LANGUAGES:
        if not (CATALOGS / language / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("init", "-i", str(TEMPLATE), "-d", str(CATALOGS), "-l", language)
    _pybabel(
        "update",
        "-i",
        str(TEMPLATE),
        "-d",
        str(CATALOGS),
        "--no-fuzzy-matching",
        "--ignore-obsolete",
        "--width",
        "110",
    )


def compile_catalogs() -> None:
    """Each language's .po as the .mo gettext reads; fuzzy entries are left out, as pybabel does."""
    for language in LANGUAGES:
        folder = CATALOGS / language / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as f:
            catalog = read_po(f, locale=language)
        with (folder / "messages.mo").open("wb") as f:
            write_mo(f, catalog)


def problems() -> list[str]:
    """Every message of the code and templates that a catalog lacks, leaves empty or marks fuzzy."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        with fresh.open("rb") as f:
            wanted = read_po(f)
    found = []
    for language in LANGUAGES:
        path = CATALOGS / language / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            found.append(f"{language}: no catalog at {path.relative_to(ROOT)}")
            continue
        with path.open("rb") as f:
            catalog = read_po(f, locale=language)
        for message in wanted:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            have = catalog.get(message.id) or catalog.get(key)
            if have is None:
                found.append(f"{language}: not in the catalog: {key!r}")
            elif have.fuzzy:
                found.append(f"{language}: fuzzy: {key!r}")
            elif not all(have.string) if isinstance(have.string, tuple) else not have.string:
                found.append(f"{language}: not translated: {key!r}")
            elif isinstance(message.id, tuple) != isinstance(have.id, tuple):
                found.append(f"{language}: plural forms differ from the code: {key!r}")
        for message, errors in catalog.check():
            found.extend(f"{language}: {message.id!r}: {error}" for error in errors)
    return found


def main(command: str) -> int:
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_catalogs()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "Every message is in the German and Russian catalogs, translated.")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
