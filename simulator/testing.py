"""Test-harness building blocks: a fresh simulated company, its admin handle, a live server.

Used by the pytest fixtures (simulator.pytest_plugin), the scenario runner and the load tests,
so all three set companies up the same way: through the admin API, over the wire.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx
import yaml
from flask import Flask
from werkzeug.serving import make_server

from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.models.permissions import GUIDE_MODULES
from intacct_harness.simulator.wire.protocol import GATEWAY_PATH

IN_PROCESS_BASE = "https://api.intacct.test"
DEFAULT_SENDER = ("AlvysMPP", "sim-sender-secret")
DEFAULT_COMPANY = "ACME-TRUCKING"
DEFAULT_USER = ("alvys_ws", "sim-user-secret")
DEFAULT_ROLE = "Alvys Integration"


def standard_company(company_id: str = DEFAULT_COMPANY, **overrides: Any) -> dict[str, Any]:
    """A company set up exactly as the setup guide asks: the seed every test starts from."""
    company: dict[str, Any] = {
        "id": company_id,
        "web_services": True,
        "authorized_senders": [DEFAULT_SENDER[0]],
        "roles": [{"name": DEFAULT_ROLE, "permissions": {m: "All" for m in GUIDE_MODULES}}],
        "users": [{"id": DEFAULT_USER[0], "password": DEFAULT_USER[1], "type": "business", "web_services": True,
                   "roles": [DEFAULT_ROLE]}],
        "records": {
            "GLACCOUNT": [
                {"ACCOUNTNO": "4000", "TITLE": "Freight Revenue"},
                {"ACCOUNTNO": "4100", "TITLE": "Fuel Surcharge Revenue"},
                {"ACCOUNTNO": "4200", "TITLE": "Accessorial Revenue"},
                {"ACCOUNTNO": "5000", "TITLE": "Purchased Transportation"},
                {"ACCOUNTNO": "5100", "TITLE": "Driver Pay"},
            ],
        },
    }
    company.update(overrides)
    return company


def standard_seed(*companies: dict[str, Any]) -> dict[str, Any]:
    return {"senders": [{"id": DEFAULT_SENDER[0], "password": DEFAULT_SENDER[1]}],
            "companies": list(companies) or [standard_company()]}


class InProcessTransport(httpx.WSGITransport):
    """``httpx.WSGITransport`` that fails like a socket when the simulator drops the connection.

    Over a real socket httpx reports a closed connection as ``RemoteProtocolError``; in-process the
    app raises ``ConnectionResetError`` (simulator.app.DropConnection), translated here so a client
    sees the same exception either way.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except ConnectionResetError:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request) from None


class AdminError(RuntimeError):
    """The admin API refused a change; the message is its explanation."""


@dataclass
class Admin:
    """The admin JSON API over any httpx client (in-process transport or a live server)."""

    http: httpx.Client

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        # Writes always carry a JSON body ({} when there is nothing to say): the admin API refuses others.
        if json is None and method != "GET":
            json = {}
        resp = self.http.request(method, f"/__sim{path}", json=json)
        if resp.status_code >= 400:
            raise AdminError(resp.json().get("error", resp.text) if resp.headers.get(
                "content-type", "").startswith("application/json") else resp.text)
        return resp.json()

    def seed(self, seed: dict[str, Any]) -> Any:
        return self._call("POST", "/seed", seed)

    def reset(self, keep_seed: bool = False) -> Any:
        return self._call("POST", "/reset", {"keep_seed": True} if keep_seed else None)

    def company(self, company_id: str) -> dict[str, Any]:
        return self._call("GET", f"/companies/{company_id}")

    def change_company(self, company_id: str, **changes: Any) -> Any:
        return self._call("PATCH", f"/companies/{company_id}", changes)

    def set_role(self, company_id: str, role: str, permissions: dict[str, Any]) -> Any:
        return self._call("PUT", f"/companies/{company_id}/roles/{role}", {"permissions": permissions})

    def change_user(self, company_id: str, user_id: str, **changes: Any) -> Any:
        return self._call("PATCH", f"/companies/{company_id}/users/{user_id}", changes)

    def add_records(self, company_id: str, records: dict[str, list[dict[str, Any]]]) -> Any:
        return self._call("POST", f"/companies/{company_id}/records", records)

    def change_record(self, company_id: str, object_name: str, key: str, action: str,
                      fields: dict[str, Any] | None = None) -> Any:
        """Update, deactivate, reactivate or delete one record, as an admin does in Sage's UI."""
        body: dict[str, Any] = {"action": action} | ({"fields": fields} if fields is not None else {})
        return self._call("POST", f"/companies/{company_id}/records/{object_name}/{key}", body)

    def records(self, company_id: str, object_name: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/companies/{company_id}/records/{object_name}")["records"]

    def usage(self, company_id: str) -> dict[str, int]:
        return self._call("GET", f"/companies/{company_id}/usage")["transactions"]

    def journal(self, company_id: str | None = None, function: str | None = None,
                limit: int = 1000) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("company", company_id), ("function", function), ("limit", limit)) if v}
        resp = self.http.get("/__sim/journal", params=params)
        resp.raise_for_status()
        return resp.json()["entries"]

    def set_faults(self, rules: list[dict[str, Any]]) -> Any:
        return self._call("PUT", "/faults", rules)

    def add_fault(self, **rule: Any) -> Any:
        return self._call("POST", "/faults", rule)

    def clear_faults(self) -> Any:
        return self._call("DELETE", "/faults")

    def advance_clock(self, seconds: float) -> Any:
        return self._call("POST", "/clock", {"advance_seconds": seconds})

    def expire_sessions(self, company_id: str | None = None) -> Any:
        return self._call("POST", "/sessions/expire", {"company": company_id})


@dataclass
class Credentials:
    sender_id: str
    sender_password: str
    company_id: str
    user_id: str
    user_password: str
    entity: str | None = None


@dataclass
class SimulatedCompany:
    """A running simulated Sage company: its app, credentials, wire client and admin handle."""

    app: Flask
    credentials: Credentials
    base_url: str = IN_PROCESS_BASE
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.base_url + GATEWAY_PATH

    @property
    def company_id(self) -> str:
        return self.credentials.company_id

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx.Client wired to the app in-process (no sockets), failing as a socket would."""
        c = httpx.Client(transport=InProcessTransport(app=self.app), base_url=self.base_url, **kwargs)
        self._clients.append(c)
        return c

    @property
    def admin(self) -> Admin:
        return Admin(self.client())

    def envelope(self, functions: str, *, transaction: bool = False) -> str:
        """The XML request a client posts: the sender, a ``<login>`` with ``credentials``, and ``functions``.

        ``functions`` is one or more ``<function controlid="...">`` elements, or a single bare function body
        (``<create>...</create>``), which is wrapped in ``<function controlid="f1">``.
        """
        c = self.credentials
        body = functions.strip()
        if not body.startswith("<function"):
            body = f'<function controlid="f1">{body}</function>'
        entity = f"<locationid>{escape(c.entity)}</locationid>" if c.entity else ""
        return ('<?xml version="1.0" encoding="UTF-8"?><request><control>'
                f"<senderid>{escape(c.sender_id)}</senderid><password>{escape(c.sender_password)}</password>"
                f"<controlid>{uuid.uuid4()}</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion>"
                "<includewhitespace>false</includewhitespace></control>"
                f'<operation transaction="{str(transaction).lower()}"><authentication><login>'
                f"<userid>{escape(c.user_id)}</userid><companyid>{escape(c.company_id)}</companyid>"
                f"<password>{escape(c.user_password)}</password>{entity}</login></authentication>"
                f"<content>{body}</content></operation></request>")

    # Shortcuts for the setup changes tests make most often.
    def set_permission(self, module: str, level: Any, role: str = DEFAULT_ROLE) -> None:
        self.admin.set_role(self.company_id, role, {module: level})

    def records(self, object_name: str) -> list[dict[str, Any]]:
        return self.admin.records(self.company_id, object_name)

    def close(self) -> None:
        for c in self._clients:
            c.close()


class CompanyBlockError(ValueError):
    """A company block handed to ``simulated_company`` / ``intacct_sim_factory`` is unusable; says which key and why."""


def company_credentials(company: Any) -> Credentials:
    """The credentials that sign in to ``company``: its own first user when it lists users, else the default user.

    The default sender (``AlvysMPP``) is used either way; a block that does not authorise it fails at sign-in,
    as Sage would, which is what such a block is for.
    """
    if not isinstance(company, Mapping):
        raise CompanyBlockError(f"a company block is a mapping with a seed file's company keys (id, users, roles, "
                                f"records...), got {type(company).__name__}")
    company_id = company.get("id")
    if not isinstance(company_id, str) or not company_id.strip():
        raise CompanyBlockError("company block: 'id' is required, the Sage company ID users sign in to (for example "
                                f"standard_company('MY-CO') or {{'id': 'MY-CO', ...}}); got keys {sorted(company)}")
    users = company.get("users")
    if users is None or users == []:
        return Credentials(DEFAULT_SENDER[0], DEFAULT_SENDER[1], company_id, DEFAULT_USER[0], DEFAULT_USER[1])
    if not isinstance(users, list) or not users:
        raise CompanyBlockError(f"company {company_id!r}: 'users' must be a non-empty list of user blocks "
                                "({id, password, ...}), or left out for no users")
    wanted = next((u for u in users if isinstance(u, Mapping) and u.get("id") == DEFAULT_USER[0]), users[0])
    if not isinstance(wanted, Mapping) or not wanted.get("id") or not isinstance(wanted.get("password"), str):
        raise CompanyBlockError(f"company {company_id!r}: users[{users.index(wanted)}] needs an 'id' and a "
                                "'password' (the credentials the fixture signs in with)")
    return Credentials(DEFAULT_SENDER[0], DEFAULT_SENDER[1], company_id, str(wanted["id"]), wanted["password"])


def simulated_company(company: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> SimulatedCompany:
    """A fresh app holding one company (``standard_company()`` by default), signed in as its first user."""
    company = standard_company() if company is None else company
    credentials = company_credentials(company)
    app = create_app({"LATENCY": False, **(config or {})})
    sim = SimulatedCompany(app, credentials)
    sim.admin.seed(standard_seed(company))
    return sim


def seeded_company(seed_file: str | Path, config: dict[str, Any] | None = None) -> SimulatedCompany:
    """An app loaded from a whole YAML seed file, signed in to the file's first company (as its first user)."""
    try:
        seed = yaml.safe_load(Path(seed_file).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CompanyBlockError(f"{seed_file}: cannot read the seed file: {exc}") from None
    companies = seed.get("companies") if isinstance(seed, Mapping) else None
    if not companies or not isinstance(companies, list):
        raise CompanyBlockError(f"{seed_file}: the seed has no 'companies' list, so there is no company to sign in to")
    credentials = company_credentials(companies[0])
    senders = [s for s in seed.get("senders") or [] if isinstance(s, Mapping)]
    if senders and not any(s.get("id") == DEFAULT_SENDER[0] for s in senders):
        credentials.sender_id, credentials.sender_password = str(senders[0].get("id")), str(senders[0].get("password"))
    app = create_app({"LATENCY": False, **(config or {}), "SEED": str(seed_file)})
    return SimulatedCompany(app, credentials)


class SdkNotInstalled(ImportError):
    """``sdk_client`` needs fylein's ``sageintacctsdk`` (``pip install 'intacct-harness[sdk]'``)."""


def sdk_client(sim: SimulatedCompany, *, url: str | None = None, pagesize: int | None = None,
               **overrides: Any) -> Any:
    """A logged-in ``sageintacctsdk.SageIntacctSDK`` whose every API object posts to ``sim``'s gateway.

    The SDK speaks ``requests`` over real sockets, so ``sim`` must be served (the ``intacct_live_server``
    fixture, or ``SimulatedCompany(app, credentials, base_url=...)`` inside ``live_server(app)``). It signs in
    with ``sim.credentials``; ``overrides`` replace any constructor argument (``user_password="wrong"``,
    ``session_id=...`` to reuse a session without signing in). ``url`` posts elsewhere (default ``sim.url``);
    ``pagesize`` sets the SDK's page size for ``get_all`` (default 2000).

    The SDK hard-codes ``https://api.intacct.com/...`` in each API object and signs in from its constructor,
    with no setting to change either. So the client is built with a placeholder session (no request is sent),
    each API object is pointed at the simulator, and only then does the SDK sign in, through its own
    ``getAPISession`` code. After that the SDK behaves as it does against Sage: ``api_base`` moves to the
    ``<endpoint>`` the answer names, the other API objects keep the URL they were built with.
    """
    try:
        from sageintacctsdk import SageIntacctSDK
        from sageintacctsdk.apis.api_base import ApiBase
    except ImportError as exc:
        raise SdkNotInstalled("sdk_client needs fylein's Sage Intacct SDK: pip install 'intacct-harness[sdk]' "
                              f"(or sageintacctsdk); {exc}") from None
    if sim.base_url == IN_PROCESS_BASE:
        raise ValueError("sdk_client: the SDK opens its own sockets, so serve the company first (the "
                         "intacct_live_server fixture, or live_server(app)); this one is in-process only")
    c = sim.credentials
    kwargs: dict[str, Any] = {"sender_id": c.sender_id, "sender_password": c.sender_password, "user_id": c.user_id,
                              "company_id": c.company_id, "user_password": c.user_password, "entity_id": c.entity}
    kwargs.update(overrides)
    session_id = kwargs.pop("session_id", None)
    sdk = SageIntacctSDK(**kwargs, session_id="not-signed-in-yet")
    apis = [api for api in vars(sdk).values() if isinstance(api, ApiBase)]
    for api in apis:
        api._ApiBase__api_url = url or sim.url
        if pagesize is not None:
            api._ApiBase__pagesize = pagesize
    sdk._SageIntacctSDK__session_id = session_id   # None: the SDK signs in now, against the simulator
    sdk.update_session_id()
    return sdk


@contextmanager
def live_server(app: Flask, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on an ephemeral loopback port in a thread; yields the base URL."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
