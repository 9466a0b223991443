"""The operators' pages for admins (roles, a new operator, an operator's tokens) and every
operator's own API tokens: made with the secret shown once, working, revoked."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from devkit.admin import AdminClient
from devkit.operators import ADMIN, EVERYONE, FINANCE, PLATFORM, SUPPORT
from devkit.responses import json_of
from tests.console.conftest import Person, form_token
from walletsvc.access.audit_log import Recorded

_SECRET = re.compile(r'data-testid="token-secret" value="(wso_[^"]+)"')


def _as_admin(person: Person) -> AdminClient:
    return AdminClient(person.app.test_client(), ADMIN.token)


def _operator_names(person: Person) -> list[str]:
    listed = json_of(_as_admin(person).get("/operators"))["operators"]
    return sorted(o["name"] for o in listed)


def _operator_id(person: Person, name: str) -> str:
    listed = json_of(_as_admin(person).get("/operators"))["operators"]
    return str(next(o["operatorId"] for o in listed if o["name"] == name))


def _who(person: Person, token: str) -> int | str:
    """Return the name /admin/me gives for ``token``, or the status that refused it."""
    answer = person.app.test_client().get("/admin/me",
                                          headers={"Authorization": f"Bearer {token}"})
    return str(json_of(answer)["name"]) if answer.status_code == 200 else answer.status_code


def _token_ids(page: str) -> list[str]:
    return re.findall(r'<tr id="token-(tok_[0-9a-f]+)"', page)


def _operator_form(person: Person) -> str:
    return form_token(person.open("/console/operators"))


def _add(person: Person, **fields: str | list[str]) -> tuple[int, str, str]:
    """Send the form that adds an operator; return the status, the page and where it sends."""
    sent = {"csrf_token": _operator_form(person), "kind": "PERSON", "reason": "joins support",
            **fields}
    answer = person.client.post("/console/operators", data=sent)
    return (answer.status_code, answer.get_data(as_text=True),
            answer.headers.get("Location", ""))


def _issue_mine(person: Person, name: str, days: str = "30") -> tuple[int, str]:
    token = form_token(person.open("/console/me/tokens"))
    answer = person.client.post("/console/me/tokens", data={
        "csrf_token": token, "name": name, "days": days})
    assert "Location" not in answer.headers  # the answer itself holds the secret
    return answer.status_code, answer.get_data(as_text=True)


# The operators ---------------------------------------------------------------------------

def test_an_admin_sees_every_operator_and_their_roles(person: Person) -> None:
    person.sign_in("adam-admin")

    page = person.text("/console/operators")

    for demo in EVERYONE:
        assert f"<td>{demo.name}</td>" in page
    assert "<td>auditor</td>" in page  # ana-auditor's one role


def test_an_admin_changes_someones_roles_saying_why_and_it_is_recorded(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
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


def test_the_form_offers_only_the_roles_the_admin_may_grant(person: Person) -> None:
    person.sign_in("adam-admin")

    form = person.text("/console/operators").split('id="add"')[1]

    offered = re.findall(r'name="roles" value="([a-z_]+)"', form)
    assert offered == ["admin", "auditor", "compliance", "finance", "platform", "support"]
    assert "finance_lead" not in form  # adam does not hold it


def test_an_admin_adds_a_service_account_with_roles_and_it_is_recorded(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    person.sign_in("adam-admin")

    status, _, location = _add(person, name="cashier-2", kind="SERVICE",
                               roles=["platform", "support"], reason="the new cashier")

    assert status == 303 and location.startswith("/console/operators?added=op_")
    page = person.text(location)
    assert re.search(r'id="operator-cashier-2"><td>cashier-2</td><td>SERVICE</td>'
                     r"<td>platform, support</td>", page), page
    assert "cashier-2 is added." in page and "Make its API token" in page
    created = _operator_id(person, "cashier-2")
    [entry] = audited("operator.create")
    assert (entry.entry.actor_name, entry.entry.target, entry.entry.outcome,
            entry.entry.reason) == ("adam-admin", f"operator:{created}", 303, "the new cashier")
    assert entry.entry.after["roles"] == ["platform", "support"]
    assert entry.entry.after["kind"] == "SERVICE"


def test_a_person_added_with_an_email_signs_in_with_it(person: Person) -> None:
    person.sign_in("adam-admin")

    status, _, _ = _add(person, name="nina-support", email="nina@example.test",
                        roles=["support"])

    assert status == 303
    listed = json_of(_as_admin(person).get("/operators"))["operators"]
    [nina] = [o for o in listed if o["name"] == "nina-support"]
    assert (nina["kind"], nina["roles"], nina["email"]) == (
        "PERSON", ["support"], "nina@example.test")


def test_adding_with_a_role_the_admin_lacks_is_refused_on_the_page_and_adds_nobody(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    person.sign_in("adam-admin")
    before = _operator_names(person)

    status, page, _ = _add(person, name="lena-2", roles=["finance_lead"])

    assert status == 403
    refusal = re.search(r'data-testid="refusal">(.*?)</p>', page)
    assert refusal, page
    assert "Nobody was added." in refusal.group(1)
    assert "you cannot grant roles you do not hold: finance_lead" in refusal.group(1)
    assert 'id="new-name" name="name" value="lena-2"' in page  # the form as it was sent
    assert _operator_names(person) == before
    [entry] = audited("operator.create")
    assert (entry.entry.outcome, entry.entry.reason) == (403, "joins support")


def test_a_person_is_never_given_the_platform_role(person: Person) -> None:
    person.sign_in("adam-admin")
    before = _operator_names(person)

    status, page, _ = _add(person, name="pat-person", kind="PERSON", roles=["platform"])

    assert status == 409 and "a person cannot hold platform" in page
    assert _operator_names(person) == before


def test_a_name_taken_is_refused_on_the_page(person: Person) -> None:
    person.sign_in("adam-admin")
    before = _operator_names(person)

    status, page, _ = _add(person, name="sam-support", roles=["support"])

    assert status == 409
    assert "Nobody was added." in page and "an operator named &#39;sam-support&#39; exists" in page
    assert _operator_names(person) == before


def test_a_form_missing_its_reason_says_so_and_adds_nobody(person: Person) -> None:
    person.sign_in("adam-admin")
    before = _operator_names(person)

    status, page, _ = _add(person, name="no-reason", roles=["support"], reason="")

    assert status == 400 and 'id="reason-problem"' in page
    assert _operator_names(person) == before


# One's own tokens ------------------------------------------------------------------------

def test_every_operator_has_a_place_for_their_own_tokens(person: Person) -> None:
    person.sign_in("ana-auditor")

    home = person.text("/console/")

    assert '<a href="/console/me/tokens">My tokens</a>' in home
    page = person.text("/console/me/tokens")
    assert re.findall(r'<tr id="token-tok_[0-9a-f]+"><td>([^<]+)</td>', page) == ["devkit"]


def test_a_person_makes_a_token_whose_secret_works_and_is_shown_once(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    person.sign_in("sam-support")

    status, page = _issue_mine(person, "my script", "30")

    assert status == 201
    found = _SECRET.search(page)
    assert found, page
    secret = found.group(1)
    assert "Copy it now: it will not be shown again." in page
    assert _who(person, secret) == "sam-support"
    later = person.text("/console/me/tokens")
    assert secret not in later and "my script" in later
    [entry] = audited("token.issue-own")
    assert entry.entry.actor_name == "sam-support" and entry.entry.outcome == 201
    assert entry.entry.target == f"token:{entry.entry.after['tokenId']}"
    assert secret not in json.dumps(entry.entry.after)
    assert [e.entry.actor_name for e in audited("token.list-own")] == [
        "sam-support", "sam-support"]


def test_the_page_with_the_secret_is_kept_in_no_cache(person: Person) -> None:
    person.sign_in("sam-support")
    token = form_token(person.open("/console/me/tokens"))

    answer = person.client.post("/console/me/tokens", data={
        "csrf_token": token, "name": "cli"})

    assert answer.status_code == 201 and _SECRET.search(answer.get_data(as_text=True))
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_revoked_token_no_longer_works(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    person.sign_in("sam-support")
    _, page = _issue_mine(person, "to revoke")
    secret = _SECRET.findall(page)[0]
    listed = person.text("/console/me/tokens")
    [made] = [t for t in _token_ids(listed)
              if f'id="token-{t}"><td>to revoke</td>' in listed]

    unsaid = person.client.post(f"/console/tokens/{made}/revoke",
                                data={"csrf_token": form_token(person.open("/console/"))})
    assert unsaid.status_code == 400 and _who(person, secret) == "sam-support"
    revoked = person.client.post(f"/console/tokens/{made}/revoke", data={
        "csrf_token": form_token(person.open("/console/")), "reason": "laptop lost"})

    assert revoked.status_code == 303
    assert revoked.headers["Location"] == f"/console/me/tokens?revoked={made}"
    assert _who(person, secret) == 401
    after = person.text(revoked.headers["Location"])
    assert "The token to revoke is revoked: it no longer works." in after
    row = after.split(f'id="token-{made}"')[1].split("</tr>")[0]
    assert "<td>Revoked</td>" in row and "/revoke" not in row
    done = [e.entry for e in audited("token.revoke") if e.entry.outcome == 303]
    assert [(e.target, e.reason) for e in done] == [(f"token:{made}", "laptop lost")]


def test_a_token_asked_for_too_long_is_refused_and_none_is_made(person: Person) -> None:
    person.sign_in("sam-support")
    before = _token_ids(person.text("/console/me/tokens"))

    status, page = _issue_mine(person, "forever", "400")

    assert status == 400 and 'id="days-problem"' in page and not _SECRET.search(page)
    assert _token_ids(person.text("/console/me/tokens")) == before


def test_a_person_cannot_revoke_someone_elses_token(person: Person) -> None:
    fiona_token = json_of(AdminClient(person.app.test_client(), FINANCE.token).get(
        "/me/tokens"))["tokens"][0]["tokenId"]
    person.sign_in("sam-support")

    refused = person.client.post(f"/console/tokens/{fiona_token}/revoke", data={
        "csrf_token": form_token(person.open("/console/")), "reason": "why not"})

    assert refused.status_code == 403
    assert _who(person, FINANCE.token) == "fiona-finance"


# An admin and others' tokens -------------------------------------------------------------

def test_an_admin_makes_a_service_accounts_token(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    platform_id = _operator_id(person, PLATFORM.name)
    person.sign_in("adam-admin")
    operators = person.text("/console/operators")
    assert f'href="/console/operators/{platform_id}/tokens"' in operators
    listed = person.text(f"/console/operators/{platform_id}/tokens")
    assert "API tokens of platform" in listed and "<td>devkit</td>" in listed

    answer = person.client.post(f"/console/operators/{platform_id}/tokens", data={
        "csrf_token": form_token(person.open(f"/console/operators/{platform_id}/tokens")),
        "name": "cashier", "days": "10"})

    assert answer.status_code == 201
    page = answer.get_data(as_text=True)
    secret = _SECRET.findall(page)[0]
    assert "The new token of platform" in page
    assert _who(person, secret) == "platform"
    assert secret not in person.text(f"/console/operators/{platform_id}/tokens")
    [entry] = audited("token.issue")
    assert (entry.entry.actor_name, entry.entry.target, entry.entry.outcome) == (
        "adam-admin", f"operator:{platform_id}", 201)
    assert [e.entry.target for e in audited("token.list")] == [f"operator:{platform_id}"] * 3


def test_an_admin_does_not_make_a_persons_token(person: Person) -> None:
    sam_id = _operator_id(person, SUPPORT.name)
    person.sign_in("adam-admin")
    listed = person.text(f"/console/operators/{sam_id}/tokens")
    assert "A person makes their own tokens" in listed
    assert f'action="/console/operators/{sam_id}/tokens"' not in listed
    before = _token_ids(listed)

    refused = person.client.post(f"/console/operators/{sam_id}/tokens", data={
        "csrf_token": form_token(person.open("/console/operators")), "name": "for sam"})

    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "No token was made." in page and "a person makes their own tokens" in page
    assert not _SECRET.search(page)
    assert _token_ids(person.text(f"/console/operators/{sam_id}/tokens")) == before


def test_an_admin_revokes_someones_token_saying_why(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    sam_id = _operator_id(person, SUPPORT.name)
    person.sign_in("adam-admin")
    listed = person.text(f"/console/operators/{sam_id}/tokens")
    [sams] = _token_ids(listed)
    assert f'action="/console/tokens/{sams}/revoke"' in listed

    revoked = person.client.post(f"/console/tokens/{sams}/revoke", data={
        "csrf_token": form_token(person.open("/console/operators")),
        "reason": "sam moved team"})

    assert revoked.status_code == 303
    assert revoked.headers["Location"] == f"/console/operators/{sam_id}/tokens?revoked={sams}"
    assert _who(person, SUPPORT.token) == 401
    [entry] = audited("token.revoke")
    assert (entry.entry.actor_name, entry.entry.target, entry.entry.reason) == (
        "adam-admin", f"token:{sams}", "sam moved team")


# Who may, and the CSRF token -------------------------------------------------------------

def test_someone_not_an_admin_is_refused_every_operators_page(person: Person) -> None:
    sam_id = _operator_id(person, SUPPORT.name)
    platform_id = _operator_id(person, PLATFORM.name)
    before = _operator_names(person)
    person.sign_in("sam-support")
    token = form_token(person.open("/console/me/tokens"))

    answers = [
        person.open("/console/operators").status_code,
        person.open(f"/console/operators/{sam_id}/tokens").status_code,
        person.client.post("/console/operators", data={
            "csrf_token": token, "name": "sneaky", "kind": "PERSON", "roles": ["support"],
            "reason": "x"}).status_code,
        person.client.post(f"/console/operators/{platform_id}/tokens", data={
            "csrf_token": token, "name": "sneaky"}).status_code,
    ]

    assert answers == [403, 403, 403, 403]
    assert _operator_names(person) == before
    tokens = json_of(_as_admin(person).get(f"/operators/{platform_id}/tokens"))["tokens"]
    assert [t["name"] for t in tokens] == ["devkit"]


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
        person: Person) -> None:
    person.sign_in("adam-admin")
    before = _operator_names(person)
    mine_before = _token_ids(person.text("/console/me/tokens"))
    [adams] = mine_before

    added = person.client.post("/console/operators", data={
        "name": "no-csrf", "kind": "PERSON", "roles": ["support"], "reason": "x"})
    issued = person.client.post("/console/me/tokens", data={"name": "no-csrf"})
    revoked = person.client.post(f"/console/tokens/{adams}/revoke", data={"reason": "x"})

    for answer in (added, issued, revoked):
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/console/signin")
    assert _operator_names(person) == before
    assert _token_ids(person.text("/console/me/tokens")) == mine_before
    assert _who(person, ADMIN.token) == "adam-admin"
