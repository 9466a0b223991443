"""The audit log's page, its CSV export and the chain's check for auditors and compliance."""

from __future__ import annotations

import csv
import io
import re

from devkit.admin import AdminClient
from tests.console.conftest import Person, form_token


def test_an_auditor_filters_the_log_by_action_and_reads_who_did_what(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet(real="10")
    reader = Person(person.app, person.clock)
    reader.sign_in("sam-support")
    reader.text(f"/console/wallets/{wallet_id}")
    person.sign_in("ana-auditor")

    page = person.text(f"/console/audit?action=wallet.view&target=wallet:{wallet_id}")

    rows = re.findall(r"<tr><td>\d+</td><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td>"
                      r"<td>([^<]+)</td><td>(\d+)</td>", page)
    assert rows == [("sam-support", "wallet.view", f"wallet:{wallet_id}", "200")]


def test_the_csv_link_exports_the_same_entries_with_the_session(
        person: Person, platform: AdminClient) -> None:
    platform.wallet()
    person.sign_in("ana-auditor")
    page = person.text("/console/audit?action=wallet.create")
    link = re.search(r'href="(/admin/audit\?[^"]+)" download', page)
    assert link, page

    exported = person.open(link.group(1).replace("&amp;", "&"))

    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["actorName"], r["action"]) for r in rows] == [("platform", "wallet.create")]


def test_the_log_comes_a_page_at_a_time(person: Person) -> None:
    person.sign_in("ana-auditor")
    for _ in range(55):
        person.open("/console/")  # each page read is an entry

    first = person.text("/console/audit?action=console.home")
    later = re.search(r'href="(/console/audit\?[^"]*after=\d+[^"]*)"', first)
    assert later, first
    rest = person.text(later.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})

    assert first.count("<td>console.home</td>") == 50
    assert rest.lstrip().startswith("<tbody>") and rest.count("<td>console.home</td>") >= 5


def test_an_auditor_checks_the_chain_and_is_told_it_holds(person: Person) -> None:
    person.sign_in("ana-auditor")
    token = form_token(person.open("/console/audit"))

    checked = person.client.post("/console/audit/verify", data={"csrf_token": token})

    assert checked.status_code == 200
    assert 'data-testid="chain-ok"' in checked.get_data(as_text=True)


def test_support_sees_neither_the_audit_log_nor_the_operators(person: Person) -> None:
    person.sign_in("sam-support")

    home = person.text("/console/")

    assert "Audit log" not in home and "Operators" not in home
    assert person.open("/console/audit").status_code == 403
    assert person.open("/console/operators").status_code == 403
