"""The ceiling of this stack: a bare Flask + lxml app that parses the request and echoes a response of a given size.

Served exactly as ``intacct-sim serve`` serves the simulator (gunicorn, gthread workers, same threads),
so the benchmark compares the simulator's rules and store with nothing but the framework, the server
and the XML library. The client asks for the response size it wants with ``X-Echo-Size`` (bytes).

    python -m loadtests.echo_app --port 8090 --workers 2
"""

from __future__ import annotations

import argparse
from typing import Any

from flask import Flask, Response, request
from lxml import etree

_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def create_echo_app() -> Flask:
    app = Flask(__name__)

    @app.post("/ia/xml/xmlgw.phtml")
    def echo() -> Response:
        root = etree.fromstring(request.get_data(cache=False), _parser)
        size = int(request.headers.get("X-Echo-Size", "1000"))
        resp = etree.Element("response")
        control = etree.SubElement(resp, "control")
        etree.SubElement(control, "status").text = "success"
        etree.SubElement(control, "controlid").text = root.findtext("control/controlid")
        op = etree.SubElement(resp, "operation")
        functions = root.findall("operation/content/function")
        fixed = len(etree.tostring(resp, xml_declaration=True, encoding="UTF-8"))
        per = max((size - fixed) // max(len(functions), 1) - 80, 0)
        for fn in functions:
            result = etree.SubElement(op, "result")
            etree.SubElement(result, "status").text = "success"
            etree.SubElement(result, "function").text = fn[0].tag if len(fn) else ""
            etree.SubElement(result, "controlid").text = fn.get("controlid", "")
            etree.SubElement(result, "data").text = "x" * per
        return Response(etree.tostring(resp, xml_declaration=True, encoding="UTF-8"),
                        content_type="application/xml; charset=UTF-8")

    @app.get("/__sim/health")
    def health() -> Any:
        return {"ok": True}

    return app


def main(argv: list[str] | None = None) -> int:
    from intacct_harness.simulator.serving import run_gunicorn

    p = argparse.ArgumentParser(prog="python -m loadtests.echo_app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args(argv)
    app = create_echo_app()

    run_gunicorn(app, host=args.host, port=args.port, workers=args.workers, threads=args.threads)  # as serve does
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
