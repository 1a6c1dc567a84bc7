"""The official Sage Intacct JavaScript SDK (``@intacct/intacct-sdk``), unchanged, against the simulator.

A second real client nobody here wrote, beside ``sageintacctsdk`` (Python): its own envelope writer, its own
parser (xml2js), its own error handling (it throws on any failure and strips tags from error texts). The flow
(tests/js/flow.js) is a connector's week after go-live with messy customer data: apostrophes, ampersands,
angle brackets, accents and emoji in names and document numbers, a rolled-back transaction, paging with
readMore, an update, a reversal, lookup, legacy delete_customer (of an unused customer, and refused for one an
invoice still names), a client built from an API session, a wrong password.

The SDK refuses any endpoint whose host is not under ``intacct.com``; the simulator is reached as
``http://sim.intacct.com:<port>`` with a resolver preload (tests/js/resolve_intacct.js) that answers loopback
for those names, as an ``/etc/hosts`` line would. The SDK is installed once with npm into a cache folder; without
node/npm, or when the registry cannot be reached, the test skips with the reason.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from intacct_harness.simulator.testing import SimulatedCompany

SDK = "@intacct/intacct-sdk@2.2.1"
HERE = Path(__file__).parent / "js"
ODD = "O'Brien & Sons <Freight> \"Ünïcödé\" 🚚 Ltd"


def _sdk_dir() -> Path:
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run the official JS SDK")
    base = Path(os.environ.get("INTACCT_JS_SDK_DIR", Path.home() / ".cache" / "intacct-harness" / "js-sdk-2.2.1"))
    base.mkdir(parents=True, exist_ok=True)
    marker = base / "node_modules" / "@intacct" / "intacct-sdk" / "package.json"
    with open(base / ".lock", "w") as lock:          # xdist workers install it once between them
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix",
                                   str(base), SDK], capture_output=True, text=True, timeout=300)
            if proc.returncode != 0 or not marker.exists():
                pytest.skip(f"could not install {SDK} with npm: {proc.stderr.strip()[-400:]}")
    return base


def _run_flow(sim: SimulatedCompany) -> dict[str, dict[str, Any]]:
    sdk = _sdk_dir()
    port = sim.url.split(":")[2].split("/")[0]
    creds = sim.credentials
    args = {"endpoint": f"http://sim.intacct.com:{port}/ia/xml/xmlgw.phtml",
            "sender": [creds.sender_id, creds.sender_password], "company": creds.company_id,
            "user": [creds.user_id, creds.user_password]}
    proc = subprocess.run(["node", "--require", str(HERE / "resolve_intacct.js"), str(HERE / "flow.js"),
                           json.dumps(args)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NODE_PATH": str(sdk / "node_modules")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    steps = {}
    for line in proc.stdout.splitlines():
        entry = json.loads(line)
        steps[entry["step"]] = entry
    return steps


def _value(steps: dict[str, dict[str, Any]], name: str) -> Any:
    entry = steps[name]
    assert entry["ok"], f"{name}: {entry.get('error')}"
    return entry["value"]


def test_official_js_sdk_week_after_go_live(intacct_live_server: SimulatedCompany) -> None:
    steps = _run_flow(intacct_live_server)

    created = _value(steps, "create_customer_odd_name")
    assert created["status"] == "success" and created["data"][0]["CUSTOMERID"] == "C-ODD-1"
    assert _value(steps, "readByQuery_quoted_name") == {"count": 1, "data": [{"CUSTOMERID": "C-ODD-1", "NAME": ODD}]}
    assert _value(steps, "query_case_insensitive")["count"] == 1

    # the SDK strips tags from error texts: the simulator names elements as Sage's schema errors do, in quotes
    no_select = steps["query_without_select"]
    assert not no_select["ok"] and "requires 'select' with at least one 'field'" in no_select["error"]["message"]

    assert _value(steps, "create_invoice_unicode_number")["status"] == "success"
    [invoice] = _value(steps, "read_invoice_back")
    assert (invoice["RECORDID"], invoice["TOTALENTERED"], invoice["STATE"]) == ("LOAD-ÆØÅ-1", "1234.56", "Posted")

    rolled = steps["transaction_rolls_back"]
    assert not rolled["ok"], "a transaction with a duplicate customer must fail"
    codes = [e.split(" ", 1)[0] for e in rolled["error"]["errors"]]
    assert "BL34000061" in codes and codes[-1] == "XL03000009", rolled["error"]
    assert _value(steps, "after_rollback")["count"] == 0          # the first create was rolled back with it

    paged = _value(steps, "page_with_readMore")
    assert paged["pages"] == [3, 3, 2] and len(set(paged["seen"])) == paged["total"] == 8

    assert _value(steps, "update_customer_typographic_name") == "success"
    assert _value(steps, "read_renamed")["data"][0]["NAME"] == "Renamed — “curly” ‘quotes’"
    # what the SDK read is what the company holds, byte for byte
    [stored] = [r for r in intacct_live_server.records("CUSTOMER") if r["CUSTOMERID"] == "C-ODD-1"]
    assert stored["NAME"] == "Renamed — “curly” ‘quotes’"

    reversed_ = _value(steps, "reverse_invoice")
    assert reversed_["status"] == "success" and reversed_["after"][0]["STATE"] == "Reversed"

    deleted = _value(steps, "delete_unused_customer")
    assert deleted["status"] == "success" and deleted["after"]["count"] == 0
    in_use = steps["delete_invoiced_customer"]        # its invoice still names it: Sage says make it inactive
    assert not in_use["ok"] and "cannot be deleted" in in_use["error"]["message"]
    assert any(r["CUSTOMERID"] == "C-ODD-1" for r in intacct_live_server.records("CUSTOMER"))

    looked_up = {f["ID"]: f for f in _value(steps, "lookup_customer")}
    assert looked_up["NAME"]["REQUIRED"] == "true" and looked_up["NAME"]["DATATYPE"]

    session = _value(steps, "api_session")
    assert session["sessionid"] and session["endpoint"].startswith("http://sim.intacct.com:")
    assert _value(steps, "client_from_session")["count"] == 1

    wrong = steps["wrong_password"]
    assert not wrong["ok"] and "XL03000006" in wrong["error"]["message"]
    assert "Sign-in information is incorrect" in wrong["error"]["message"]
