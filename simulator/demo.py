"""The simulator on its own: serve the seeded demo company on loopback, talk raw XML to it, stop.

``served()`` is also how ``make demo`` (connector.demo) and the tests start a real server.
``python -m intacct_harness.simulator.demo`` shows, over real sockets against gunicorn, what a connector must handle:
a session, an AR invoice and an AP bill posted, a permission taken away by the admin API and the
PL04000005 that follows, and the API transactions Sage would bill.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from lxml import etree

SEED = Path(__file__).parent / "seeds" / "demo.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(seed: Path = SEED, workers: int = 1, extra: tuple[str, ...] = (),
           open_files: int | None = None) -> Iterator[str]:
    """Run ``intacct-sim serve`` (plus ``extra`` options) in a subprocess until the block ends; yields the base URL.

    ``open_files`` caps the server's file descriptors, as ``ulimit -n`` does (Linux's usual soft limit is 1,024,
    macOS's 256). The server's output is read as it comes (its last lines are kept for the error message): a
    server that logs more than a pipe holds would otherwise stop at its next write.
    """
    port = free_port()
    command = [sys.executable, "-m", "intacct_harness.simulator.cli", "serve", "--port", str(port),
               "--seed", str(seed), "--workers", str(workers), *extra]
    if open_files is not None:
        command = ["/bin/sh", "-c", f'ulimit -n {int(open_files)} && exec "$0" "$@"', *command]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            start_new_session=True)  # a terminal's Ctrl-C reaches the caller; the block ends it
    tail: deque[str] = deque(maxlen=200)
    reader = threading.Thread(target=_drain, args=(proc, tail), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90   # a condition with a generous bound: a loaded machine starts slowly
        while True:
            try:
                if httpx.get(base + "/__sim/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                reader.join(timeout=2)
                raise RuntimeError("simulator did not start:\n" + "".join(tail))
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=2)


def _drain(proc: subprocess.Popen[str], tail: deque[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        tail.append(line)


def envelope(functions: str, auth: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>AlvysMPP</senderid>'
            f"<password>demo-sender-password</password><controlid>demo-{time.time_ns()}</controlid>"
            f"<uniqueid>false</uniqueid><dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace>"
            f'</control><operation transaction="false"><authentication>{auth}</authentication>'
            f"<content>{functions}</content></operation></request>")


def main() -> int:
    login = ("<login><userid>alvys_ws</userid><companyid>ACME-TRUCKING</companyid>"
             "<password>demo-user-password</password></login>")
    with served() as base, httpx.Client(base_url=base, timeout=10) as http:
        def call(functions: str, auth: str) -> etree._Element:
            resp = http.post("/ia/xml/xmlgw.phtml", content=envelope(functions, auth),
                             headers={"content-type": "application/xml"})
            return etree.fromstring(resp.content)

        print(f"Simulated Sage Intacct gateway at {base}/ia/xml/xmlgw.phtml\n")
        root = call('<function controlid="s"><getAPISession/></function>', login)
        session = root.findtext(".//api/sessionid")
        print(f"1. getAPISession: {root.findtext('.//authentication/status')}, "
              f"endpoint {root.findtext('.//api/endpoint')}")
        auth = f"<sessionid>{session}</sessionid>"
        root = call(
            '<function controlid="inv"><create_invoice><customerid>C-1001</customerid><datecreated><year>2026</year>'
            "<month>11</month><day>20</day></datecreated><invoiceno>LOAD-1001</invoiceno><invoiceitems><lineitem>"
            "<glaccountno>4000</glaccountno><amount>2450.00</amount><memo>Linehaul</memo></lineitem><lineitem>"
            "<glaccountno>4100</glaccountno><amount>310.50</amount><memo>Fuel surcharge</memo></lineitem>"
            "</invoiceitems></create_invoice></function>"
            '<function controlid="bill"><create><APBILL><VENDORID>V-2001</VENDORID><WHENCREATED>11/20/2026'
            "</WHENCREATED><RECORDID>SETTLE-501</RECORDID><APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO>"
            "<TRX_AMOUNT>1900.00</TRX_AMOUNT></APBILLITEM></APBILLITEMS></APBILL></create></function>", auth)
        for result in root.iter("result"):
            key = result.findtext("key") or result.findtext(".//RECORDNO")
            print(f"2. {result.findtext('function')} ({result.findtext('controlid')}): "
                  f"{result.findtext('status')}, RECORDNO {key}")
        httpx.put(f"{base}/__sim/companies/ACME-TRUCKING/roles/Alvys Integration",
                  json={"permissions": {"Accounts Payable": "Read only"}}).raise_for_status()
        root = call('<function controlid="bill2"><create><APBILL><VENDORID>V-3001</VENDORID><WHENCREATED>11/21/2026'
                    "</WHENCREATED><APBILLITEMS><APBILLITEM><ACCOUNTNO>5100</ACCOUNTNO><TRX_AMOUNT>800</TRX_AMOUNT>"
                    "</APBILLITEM></APBILLITEMS></APBILL></create></function>", auth)
        print(f"3. Accounts Payable set to 'Read only' by the admin; next bill: "
              f"{root.findtext('.//result/status')} {root.findtext('.//errorno')}: {root.findtext('.//description2')}")
        usage = httpx.get(f"{base}/__sim/companies/ACME-TRUCKING/usage").json()["transactions"]
        print(f"4. API transactions billed this month: {usage}")
    print("\nSimulator stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
