"""The gateway's protocol constants in one place: its path, the body's content type, the DTD versions."""

from __future__ import annotations

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"
CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
DTD_VERSIONS = ("3.0", "2.1")
