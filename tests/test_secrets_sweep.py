"""Passwords and session ids never appear in logs, reports, journals, exception texts or the store."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import timedelta

from intacct_harness.connector import Connection, ConnectionSettings, Ledger, Secret, TmsUser
from intacct_harness.connector.intacct import RetryPolicy
from intacct_harness.connector.settings import SENDER_PASSWORD_ENV
from intacct_harness.connector.tms.fake import DEFAULT_START, Sizes, generate, sage_records
from intacct_harness.simulator.app import create_app
from intacct_harness.simulator.testing import (
    DEFAULT_SENDER,
    DEFAULT_USER,
    Credentials,
    SimulatedCompany,
    standard_company,
    standard_seed,
)


def test_no_secret_in_any_output(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    state = tmp_path / "state.sqlite3"
    data = generate(3, Sizes(loads=12, settlements=6))
    sub = data.subsidiaries[0].id
    company = standard_company()
    company["records"].update(sage_records(data, sub))
    app = create_app({"STATE_FILE": str(state), "SEED": standard_seed(company), "LATENCY": False})
    sim = SimulatedCompany(app, Credentials(*DEFAULT_SENDER, company["id"], *DEFAULT_USER))
    sim.admin.set_faults([{"action": "lost_response", "function": "create", "times": 1},
                          {"action": "error", "times": 1, "function": "query",
                           "error": {"level": "authentication", "errorno": "XL03000006",
                                     "description2": "Invalid session"}}])
    settings = ConnectionSettings(subsidiary_id=sub, company_id=company["id"], user_id=DEFAULT_USER[0],
                                  user_password=Secret(DEFAULT_USER[1]), endpoint=sim.url,
                                  established_at=DEFAULT_START - timedelta(days=1))
    conn = Connection(settings, sim.client(), ledger=Ledger(tmp_path / "ledger.sqlite3"),
                      environ={SENDER_PASSWORD_ENV: DEFAULT_SENDER[1]}, retry=RetryPolicy(base_delay=0.001))
    outputs = [conn.doctor(TmsUser("qa", "Admin")).render()]
    report = conn.sync(data)
    outputs += [json.dumps(report.to_dict()), conn.status().render(), json.dumps(conn.status().to_dict()),
                repr(settings), str(settings.public()), repr(conn.client)]
    assert report.posted, "the sync must have done real work for the sweep to mean anything"
    # ...and went through the paths that handle sessions and lost answers
    assert conn.client.stats["session_refreshes"] >= 1 and report.recovered
    # a failed sign-in puts the password into nothing either
    bad = Connection(ConnectionSettings(subsidiary_id=sub, company_id=company["id"], user_id=DEFAULT_USER[0],
                                        user_password=Secret("wrong-Pa55word!"), endpoint=sim.url,
                                        established_at=DEFAULT_START),
                     sim.client(), environ={SENDER_PASSWORD_ENV: DEFAULT_SENDER[1]})
    outputs.append(bad.doctor(TmsUser("qa", "Admin")).render())
    outputs.append(json.dumps(sim.admin.journal(limit=100_000)))
    outputs.append(json.dumps(sim.admin.company(company["id"])))
    outputs.append(caplog.text)
    with sqlite3.connect(state) as db:
        session_ids = [r[0] for r in db.execute("SELECT id FROM sessions")]
    secrets = [DEFAULT_USER[1], DEFAULT_SENDER[1], "wrong-Pa55word!", *session_ids]
    assert len(session_ids) >= 2
    everything = "\n".join(outputs)
    for secret in secrets:
        assert secret not in everything, f"a secret leaked: {secret[:3]}…"
    # the store keeps hashes, never the passwords themselves
    raw = state.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("state.sqlite3-*"))
    for secret in (DEFAULT_USER[1], DEFAULT_SENDER[1]):
        assert secret.encode() not in raw
