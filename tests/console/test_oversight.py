"""The audit log's page, its CSV export and the chain's check for auditors and compliance, and
the operators' page for admins."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from devkit.admin import AdminClient
from devkit.operators import EVERYONE
from tests.console.conftest import Person, form_token
from walletsvc.access.audit_log import Recorded


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


def test_an_admin_sees_every_operator_and_their_roles(person: Person) -> None:
    person.sign_in("adam-admin")

    page = person.text("/console/operators")

    for demo in EVERYONE:
        assert f"<td>{demo.name}</td>" in page
    assert "<td>auditor</td>" in page  # ana-auditor's one role


def _operator_form(person: Person) -> str:
    return form_token(person.open("/console/operators"))


def test_an_admin_changes_someones_roles_saying_why_and_it_is_recorded(
        person: Person, ledger_url: str,
        audited: Callable[[str], list[Recorded]]) -> None:
    person.sign_in("adam-admin")
    page = person.text("/console/operators")
    found = re.search(r'action="/console/operators/([^/"]+)/roles"', page.split(
        'id="operator-sam-support"')[1])
    assert found, page
    sam_id = found.group(1)

    changed = person.client.post(f"/console/operators/{sam_id}/roles", data={
        "csrf_token": _operator_form(person), "roles": ["support", "compliance"],
        "reason": "covers compliance this week"})

    assert changed.status_code == 303
    after = person.text("/console/operators")
    assert re.search(r'id="operator-sam-support"><td>sam-support</td><td>PERSON</td>'
                     r"<td>compliance, support</td>", after), after
    [entry] = audited("operator.roles")
    assert (entry.entry.reason, entry.entry.before, entry.entry.after) == (
        "covers compliance this week", {"roles": ["support"]},
        {"roles": ["compliance", "support"]})


def test_an_admin_cannot_grant_a_role_they_do_not_hold_nor_change_themselves(
        person: Person) -> None:
    person.sign_in("adam-admin")
    page = person.text("/console/operators")
    sam_id = re.findall(r'action="/console/operators/([^/"]+)/roles"',
                        page.split('id="operator-sam-support"')[1])[0]

    refused = person.client.post(f"/console/operators/{sam_id}/roles", data={
        "csrf_token": _operator_form(person), "roles": ["finance_lead"], "reason": "try"})

    assert refused.status_code == 403
    mine = page.split('id="operator-adam-admin"')[1].split("</tr>")[0]
    assert "/roles" not in mine  # no form to change oneself


def test_a_disabled_operator_cannot_sign_in_until_enabled_again(
        person: Person) -> None:
    person.sign_in("adam-admin")
    page = person.text("/console/operators")
    ana_id = re.findall(r'action="/console/operators/([^/"]+)/roles"',
                        page.split('id="operator-ana-auditor"')[1])[0]
    ana = Person(person.app, person.clock)
    assert ana.sign_in("ana-auditor").status_code == 302

    disabled = person.client.post(f"/console/operators/{ana_id}/disable", data={
        "csrf_token": _operator_form(person), "reason": "left the company"})

    assert disabled.status_code == 303
    assert ana.open("/console/").status_code == 302  # her session is over
    assert ana.sign_in("ana-auditor").status_code == 401
    enabled = person.client.post(f"/console/operators/{ana_id}/enable", data={
        "csrf_token": _operator_form(person), "reason": "came back"})
    assert enabled.status_code == 303
    assert ana.sign_in("ana-auditor").status_code == 302
