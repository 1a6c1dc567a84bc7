"""Who the admin API trusts (issue 9 item 5): content types, Host, Origin and the admin token."""

from __future__ import annotations

import httpx
import pytest

from intacct_harness.simulator import cli
from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.testing import Admin, standard_seed


def client(app, remote="127.0.0.1", base="http://127.0.0.1:8089", headers=None):
    return httpx.Client(transport=httpx.WSGITransport(app=app, remote_addr=remote), base_url=base,
                        headers=headers or {})


@pytest.fixture
def seeded():
    app = create_app({"LATENCY": False, "SEED": standard_seed()})
    yield app


def _companies(app, headers=None):
    return client(app, headers=headers).get("/__sim/companies").json()["companies"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_cross_site_simple_writes_are_refused_and_change_nothing(seeded, content_type):
    headers = {"content-type": content_type} if content_type else {}
    resp = client(seeded).post("/__sim/reset", content=b"" if content_type is None else b"{}", headers=headers)
    assert resp.status_code == 415
    assert resp.headers["content-type"] == "application/json"
    assert "JSON or YAML bodies only" in resp.json()["error"]
    assert "application/json" in resp.json()["fix"]
    assert _companies(seeded) == ["ACME-TRUCKING"]


def test_json_and_yaml_writes_pass_with_or_without_a_body(seeded):
    http = client(seeded)
    assert http.delete("/__sim/faults", headers={"content-type": "application/json"}).status_code == 200
    assert http.post("/__sim/reset", content=b"keep_seed: false\n",
                     headers={"content-type": "application/yaml"}).json()["status"] == "reset"
    assert _companies(seeded) == []


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8089", "127.0.0.1.nip.io", "10.0.0.5:8089"])
def test_a_rebound_host_name_is_refused_even_from_loopback(seeded, host):
    resp = client(seeded, headers={"host": host}).get("/__sim/journal")
    assert resp.status_code == 403
    assert "local Host header" in resp.json()["error"]


@pytest.mark.parametrize("base", ["http://127.0.0.1:8089", "http://localhost:8089", "http://[::1]:8089",
                                  "http://sim.localhost", "https://api.intacct.test", "http://127.0.0.2"])
def test_local_host_names_are_answered(seeded, base):
    assert client(seeded, base=base).get("/__sim/companies").status_code == 200


def test_remote_callers_need_a_token_configured():
    resp = client(create_app(), remote="192.168.1.9").get("/__sim/health")
    assert resp.status_code == 403
    assert "loopback callers only" in resp.json()["error"]
    assert "INTACCT_SIM_ADMIN_TOKEN" in resp.json()["fix"]


def test_a_configured_token_is_required_from_every_caller_loopback_included():
    app = create_app({"ADMIN_TOKEN": "s3cret", "SEED": standard_seed()})
    for remote in ("127.0.0.1", "10.1.2.3"):
        missing = client(app, remote=remote).post("/__sim/reset", json={})
        assert missing.status_code == 401
        assert missing.json()["error"] == "the admin API needs the admin token in the X-Sim-Admin-Token header"
        assert "X-Sim-Admin-Token" in missing.headers["www-authenticate"]
        assert client(app, remote=remote, headers={"X-Sim-Admin-Token": "wrong"}).get(
            "/__sim/health").status_code == 401
    assert _companies(app, {"X-Sim-Admin-Token": "s3cret"}) == ["ACME-TRUCKING"]  # nothing was reset
    behind_proxy = client(app, remote="10.1.2.3", base="https://sim.example.com",
                          headers={"X-Sim-Admin-Token": "s3cret"})
    assert behind_proxy.get("/__sim/companies").status_code == 200  # with a token, any Host name


def _raw_token_get(app, sent: bytes):
    """A real server hands WSGI header bytes over as latin-1 text; httpx's WSGI transport cannot send them."""
    return app.test_client().get("/__sim/health", headers={"X-Sim-Admin-Token": sent.decode("latin-1")},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})


@pytest.mark.parametrize("sent", ["sécret".encode(), b"\xff\xfe", "s3cret\u00e9".encode("latin-1")])
def test_a_non_ascii_token_header_is_a_401_never_a_500(sent):
    resp = _raw_token_get(create_app({"ADMIN_TOKEN": "s3cret"}), sent)
    assert resp.status_code == 401
    assert resp.is_json and "admin token" in resp.json["error"]


def test_a_non_ascii_token_works_byte_for_byte():
    app = create_app({"ADMIN_TOKEN": "pässwörd"})
    assert _raw_token_get(app, "pässwörd".encode()).status_code == 200
    assert _raw_token_get(app, "pässwörd".encode("latin-1")).status_code == 401
    assert _raw_token_get(create_app({"ADMIN_TOKEN": b"\xffraw"}), b"\xffraw").status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:9999", "file://"])
def test_a_foreign_origin_is_refused(seeded, origin):
    resp = client(seeded, headers={"origin": origin}).post("/__sim/reset", json={})
    assert resp.status_code == 403
    assert "other origins" in resp.json()["error"]
    assert _companies(seeded) == ["ACME-TRUCKING"]


def test_a_same_origin_page_with_json_writes_works(seeded):
    """The browser console's scheme: same origin, Content-Type application/json on every write."""
    page = client(seeded, headers={"origin": "http://127.0.0.1:8089"})
    assert page.post("/__sim/clock", json={"advance": "1m"}).status_code == 200
    assert page.get("/__sim/companies").status_code == 200


def test_admin_helper_sends_json_on_bodyless_writes(seeded):
    admin = Admin(client(seeded))
    assert admin.clear_faults() == {"faults": []}
    assert admin.reset()["status"] == "reset"


def test_token_comes_from_a_file_or_the_environment_never_argv(tmp_path, capsys):
    path = tmp_path / "token"
    path.write_bytes(b"from-file\n")
    assert cli.admin_token(str(path), {}) == b"from-file"
    assert cli.admin_token(None, {cli.TOKEN_ENV: "from-env"}) == b"from-env"
    assert cli.admin_token(None, {}) is None
    (tmp_path / "empty").write_bytes(b"\n")
    for bad, message in ((str(tmp_path / "empty"), "the file is empty"), (str(tmp_path / "nope"), "cannot read")):
        with pytest.raises(cli.TokenError, match=message):
            cli.admin_token(bad, {})
    with pytest.raises(cli.TokenError, match="set but empty"):
        cli.admin_token(None, {cli.TOKEN_ENV: ""})
    assert cli.main(["serve", "--admin-token", "s3cret"]) == 2
    err = capsys.readouterr().err
    assert "not accepted on the command line" in err and cli.TOKEN_ENV in err
    assert cli.main(["serve", "--admin-token-file", str(tmp_path / "nope")]) == 2
    assert "cannot read it" in capsys.readouterr().err
