"""The three failure levels for each setup step of the guide, as the reference quotes them."""

from __future__ import annotations

import httpx
import pytest

from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.testing import SimulatedCompany, company_credentials, standard_company, standard_seed
from tests.wire import Gateway, fn, login_auth

SESSION = fn("<getAPISession/>")


def _raw(reply, tag: str) -> str:
    """The exact bytes of one element as sent on the wire (re-serialising would change empty elements)."""
    text = reply.http.text
    start = text.index(f"<{tag}>")
    end = text.index(f"</{tag}>", start) + len(tag) + 3
    return text[start:end]


def test_success_envelope_has_every_element_in_order(gateway):
    reply = gateway.call(SESSION)
    assert reply.http.status_code == 200
    assert reply.http.headers["content-type"] == 'text/xml; encoding="UTF-8"'
    assert [c.tag for c in reply.root.find("control")] == ["status", "senderid", "controlid", "uniqueid",
                                                            "dtdversion"]
    auth = reply.root.find("operation/authentication")
    assert [c.tag for c in auth] == ["status", "userid", "companyid", "locationid", "sessiontimestamp",
                                     "sessiontimeout"]
    result = reply.result()
    assert [c.tag for c in result] == ["status", "function", "controlid", "data"]
    api = result.find("data/api")
    assert [c.tag for c in api] == ["sessionid", "endpoint", "locationid"]
    # The endpoint is the simulator's own URL as the client reached it.
    assert api.findtext("endpoint") == "https://api.intacct.test/ia/xml/xmlgw.phtml"
    assert reply.root.findtext("control/controlid").startswith("ctl-")


def test_bad_sender_password_is_a_control_failure(gateway):
    reply = gateway.call(SESSION, sender_password="wrong")
    assert reply.http.status_code == 200
    assert reply.root.find("operation") is None
    assert _raw(reply, "errormessage") == (
        "<errormessage><error><errorno>XL03000006</errorno><description></description>"
        "<description2>Incorrect Intacct XML Partner ID or password.</description2><correction></correction>"
        "</error></errormessage>")


def test_unknown_sender_is_a_control_failure(gateway):
    reply = gateway.call(SESSION, sender="NoSuchSender")
    assert reply.control_status == "failure"
    assert reply.errornos() == ["XL03000006"]


def test_sender_not_authorized_is_an_authentication_failure(gateway):
    sim = gateway.sim
    sim.admin.change_company(sim.company_id, authorized_senders=[])
    reply = gateway.call(SESSION)
    assert reply.control_status == "success"
    op = reply.root.find("operation")
    assert [c.tag for c in op] == ["authentication", "errormessage"]
    assert _raw(reply, "authentication") == (
        "<authentication><status>failure</status><userid>alvys_ws</userid><companyid>ACME-TRUCKING</companyid>"
        "</authentication>")
    assert _raw(reply, "errormessage") == (
        "<errormessage><error><errorno>XL03000006</errorno><description>Invalid Web Services Authorization"
        "</description><description2>The sender ID 'AlvysMPP' is not authorized to make Web Services requests to "
        "company ID 'ACME-TRUCKING'.</description2><correction>Contact the company administrator to grant Web "
        "Services authorization to this sender ID.</correction></error></errormessage>")


@pytest.mark.parametrize("field", ["user", "password"])
def test_wrong_user_or_password(gateway, field):
    c = gateway.sim.credentials
    auth = login_auth("nobody" if field == "user" else c.user_id, c.company_id,
                      "wrong" if field == "password" else c.user_password)
    reply = gateway.call(SESSION, auth=auth)
    assert reply.auth_status == "failure"
    assert reply.results() == []
    assert reply.errors() == [{"errorno": "XL03000006", "description": "",
                               "description2": "Sign-in information is incorrect", "correction": ""}]


def test_unknown_company_is_invalid_request_on_http_400(gateway):
    c = gateway.sim.credentials
    reply = gateway.call(SESSION, auth=login_auth(c.user_id, "NO-SUCH-CO", c.user_password))
    assert reply.http.status_code == 400
    assert reply.control_status == "failure"
    assert reply.errors()[0]["errorno"] == "invalidRequest"
    assert reply.errors()[0]["description"] == "Invalid Request"


def test_web_services_subscription_off(gateway):
    gateway.sim.admin.change_company(gateway.sim.company_id, web_services=False)
    reply = gateway.call(SESSION)
    assert reply.auth_status == "failure"
    err = reply.errors()[0]
    assert err["errorno"] == "XL03000006"
    assert "not authorized for XML transactions" in err["description2"]
    assert "Company > Subscriptions" in err["correction"]


@pytest.mark.parametrize(("change", "text"), [
    ({"status": "inactive"}, "User 'alvys_ws' is inactive."),
    ({"status": "locked"}, "User 'alvys_ws' is locked out."),
    ({"web_services": False}, "User 'alvys_ws' is not enabled for Web Services access."),
])
def test_user_status_and_web_services_access(gateway, change, text):
    gateway.sim.admin.change_user(gateway.sim.company_id, "alvys_ws", **change)
    reply = gateway.call(SESSION)
    assert reply.auth_status == "failure"
    assert reply.errors()[0]["description2"] == text


def test_existing_session_fails_after_setup_is_revoked(gateway):
    auth = gateway.session()
    assert gateway.call(SESSION, auth=auth).auth_status == "success"
    gateway.sim.admin.change_user(gateway.sim.company_id, "alvys_ws", status="inactive")
    assert gateway.call(SESSION, auth=auth).auth_status == "failure"


def test_invalid_session_echoes_no_secret(gateway):
    reply = gateway.call(SESSION, auth="<sessionid>qWrongSession123..</sessionid>")
    assert reply.auth_status == "failure"
    assert reply.errors()[0]["description2"] == "Invalid session q...."
    assert "WrongSession123" not in reply.http.text


def test_session_expires_and_timeout_slides(gateway):
    auth = gateway.session()
    first = gateway.call(SESSION, auth=auth).root.findtext(".//sessiontimeout")
    gateway.sim.admin.advance_clock(3600)
    second = gateway.call(SESSION, auth=auth).root.findtext(".//sessiontimeout")
    assert second > first  # each call slides the timeout forward
    gateway.sim.admin.advance_clock(25 * 3600)
    reply = gateway.call(SESSION, auth=auth)
    assert reply.auth_status == "failure"
    assert reply.errors()[0]["description2"].startswith("Invalid session ")


def test_a_session_lasts_until_the_last_timeout_it_was_shown(gateway):
    """Calls in quick succession (one stored write a second, see backend._SESSION_SLIDE) never shorten a session.

    After five back-to-back calls the session still works one second before the timeout the last one
    reported; that call slides it, so it works again one second before the new timeout (long after the
    first), and is gone two seconds after the timeout of its last call.
    """
    from datetime import datetime

    def shown(reply):
        auth_block = reply.root.find("operation/authentication")
        return (datetime.fromisoformat(auth_block.findtext("sessiontimestamp")),
                datetime.fromisoformat(auth_block.findtext("sessiontimeout")))

    auth = gateway.session()
    for _ in range(5):
        reply = gateway.call(SESSION, auth=auth)
    stamp, timeout = shown(reply)
    left = (timeout - stamp).total_seconds()
    gateway.sim.admin.advance_clock(left - 1)
    reply = gateway.call(SESSION, auth=auth)
    assert reply.auth_status == "success"
    _, slid = shown(reply)
    assert (slid - timeout).total_seconds() >= left - 2
    gateway.sim.admin.advance_clock(left - 1)
    reply = gateway.call(SESSION, auth=auth)   # past the first timeout by a day: the slide was kept
    assert reply.auth_status == "success"
    stamp, last = shown(reply)
    gateway.sim.admin.advance_clock((last - stamp).total_seconds() + 2)
    reply = gateway.call(SESSION, auth=auth)
    assert reply.auth_status == "failure"
    assert reply.errors()[0]["description2"].startswith("Invalid session ")


def test_expire_sessions_via_admin(gateway):
    auth = gateway.session()
    gateway.sim.admin.expire_sessions(gateway.sim.company_id)
    assert gateway.call(SESSION, auth=auth).auth_status == "failure"


def test_login_id_is_not_case_sensitive(gateway):
    c = gateway.sim.credentials
    reply = gateway.call(SESSION, auth=login_auth(c.user_id.upper(), c.company_id, c.user_password))
    assert reply.auth_status == "success"


def test_secrets_never_in_journal(gateway):
    c = gateway.sim.credentials
    auth = gateway.session()
    gateway.call(SESSION, auth=login_auth(c.user_id, c.company_id, "wrong-password-xyz"))
    journal = str(gateway.sim.admin.journal())
    sid = auth.removeprefix("<sessionid>").removesuffix("</sessionid>")
    for secret in (c.user_password, c.sender_password, "wrong-password-xyz", sid):
        assert secret not in journal


def test_two_operations_in_one_request(intacct_company):
    gw = Gateway(intacct_company)
    c = intacct_company.credentials
    body = gw.call(SESSION).http.request.content.decode()
    op = body[body.index("<operation"):body.index("</operation>") + len("</operation>")]
    bad = op.replace(f"<password>{c.user_password}</password>", "<password>nope</password>")
    two = body.replace(op, op + bad)
    from lxml import etree as et
    root = et.fromstring(gw.post_raw(two).content)
    ops = root.findall("operation")
    assert [o.findtext("authentication/status") for o in ops] == ["success", "failure"]


def test_uniqueid_true_refuses_a_repeated_control_id(gateway):
    from tests.wire import envelope

    def send(controlid: str, uniqueid: str) -> object:
        body = envelope(fn("<create><CLASS><CLASSID>U" + controlid + "</CLASSID><NAME>n</NAME></CLASS></create>"),
                        sender=gateway.sender, sender_password=gateway.sender_password, auth=gateway.login,
                        controlid=controlid).replace("<uniqueid>false</uniqueid>", f"<uniqueid>{uniqueid}</uniqueid>")
        return gateway.post_raw(body)

    assert b"<result><status>success</status>" in send("batch-1", "true").content
    again = send("batch-1", "true")
    assert b"<control><status>failure</status>" in again.content
    assert b"<errorno>XL03000010</errorno>" in again.content
    assert b"already processed for this company" in again.content
    assert len(gateway.sim.records("CLASS")) == 1              # nothing ran twice
    assert b"<result><status>success</status>" in send("batch-2", "true").content
    assert b"<result><status>success</status>" in send("batch-3", "false").content
    assert b"<result><status>failure</status>" in send("batch-3", "false").content  # uniqueid false: it runs


def test_login_ids_are_trimmed_but_the_password_is_compared_as_sent(gateway):
    """Spaces around login fields (simulator's choice, see errors.SignInIncorrect): IDs trimmed, password exact."""
    c = gateway.sim.credentials
    ok = gateway.call(SESSION, auth=login_auth(f" {c.user_id}\u00a0", f"\t{c.company_id} ", c.user_password))
    assert ok.result().findtext("status") == "success"
    for password in (f"{c.user_password} ", f" {c.user_password}"):
        bad = gateway.call(SESSION, auth=login_auth(c.user_id, c.company_id, password))
        assert bad.errornos() == ["XL03000006"] and "Sign-in information is incorrect" in bad.http.text


def test_endpoint_names_the_mount_prefix_the_client_reached(gateway):
    """Behind a prefix (``SCRIPT_NAME``), getAPISession's endpoint is where the next request must go."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from intacct_harness.simulator.testing import InProcessTransport

    def not_found(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not the gateway"]

    mounted = DispatcherMiddleware(not_found, {"/sage": gateway.sim.app})
    with httpx.Client(transport=InProcessTransport(app=mounted), base_url="https://api.intacct.test") as http:
        prefixed = Gateway(gateway.sim, http)
        assert prefixed.http.post("/ia/xml/xmlgw.phtml", content=b"<request/>").status_code == 404
        reply = prefixed.call(SESSION, path="/sage/ia/xml/xmlgw.phtml")
        api = reply.result().find("data/api")
        assert api.findtext("endpoint") == "https://api.intacct.test/sage/ia/xml/xmlgw.phtml"
        session = api.findtext("sessionid")
        again = prefixed.call(SESSION, auth=f"<sessionid>{session}</sessionid>",
                              path=api.findtext("endpoint").removeprefix("https://api.intacct.test"))
        assert again.result().findtext("status") == "success"


def test_a_change_made_by_another_process_reaches_open_sessions_at_once(tmp_path):
    """Two app instances on one state file (two gunicorn workers): each keeps parsed company documents,
    so a change through one must reach a session used through the other on its very next request."""
    state = str(tmp_path / "state.sqlite3")
    company = standard_company()
    first = SimulatedCompany(create_app({"STATE_FILE": state, "SEED": standard_seed(company), "LATENCY": False}),
                             company_credentials(company))
    second = SimulatedCompany(create_app({"STATE_FILE": state, "LATENCY": False}), first.credentials)
    gw = Gateway(first)
    auth = gw.session()
    read = fn("<readByQuery><object>VENDOR</object><fields>VENDORID</fields><query/><pagesize>1</pagesize>"
              "</readByQuery>")
    assert gw.call(read, auth=auth).status() == "success"            # the document is now kept by `first`
    second.set_permission("Accounts Payable", [])                   # the role loses AP, through `second`
    reply = gw.call(read, auth=auth)
    assert reply.status() == "failure"
    assert "PL04000005" in reply.errornos()
    second.admin.change_user(first.company_id, first.credentials.user_id, status="inactive")
    reply = gw.call(read, auth=auth)
    assert reply.auth_status == "failure"
