"""The gateway's protocol constants in one place: its path, the body's content type, the DTD versions.

Every module that needs one imports it from here, never from a Flask view.
"""

from __future__ import annotations

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
DTD_VERSIONS = ("3.0", "2.1")

# The simulator's own admin API (not Sage's): every route under it belongs to views.admin.
ADMIN_PREFIX = "/__sim"

# The WSGI environ key the gateway view sets when a fault drops the connection (simulator.app.DropConnection).
DROP_CONNECTION = "intacct_sim.drop_connection"
# ...and when the request's exchange is already in the QA console's journal (written in its own transaction).
EXCHANGE_RECORDED = "intacct_sim.exchange_recorded"
