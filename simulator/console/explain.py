"""Why an exchange failed: the error numbers in a response, their catalogue entries and the guide's fix.

The catalogue classes build their error numbers in ``__init__``; the numbers each class can put on
the wire are read from its source once, so this index can never drift from the catalogue. The fix
is the connector's own advice (connector.advice), in the setup guide's words, so what support reads
in the console is what the customer reads in the TMS.
"""

from __future__ import annotations

import inspect
import re
from functools import lru_cache
from typing import Any

from lxml import etree

from intacct_harness.simulator.errors import IntacctError, catalogue

_NUMBER = re.compile(r'"((?:[A-Z]{2}\d{8})|(?:GW-\d{4}))"')


@lru_cache(maxsize=1)
def catalogue_by_errorno() -> dict[str, list[type[IntacctError]]]:
    index: dict[str, list[type[IntacctError]]] = {}
    for cls in catalogue():
        for errorno in dict.fromkeys(_NUMBER.findall(inspect.getsource(cls))):
            index.setdefault(errorno, []).append(cls)
    return index


def catalogue_entries(errorno: str, text: str) -> list[type[IntacctError]]:
    """The classes that put ``errorno`` on the wire, narrowed to those whose text starts like ``text``."""
    candidates = catalogue_by_errorno().get(errorno, [])
    head = text[:24]
    return [c for c in candidates if head and head in inspect.getsource(c)] or candidates


def _entry(cls: type[IntacctError]) -> dict[str, Any]:
    return {"class": cls.__name__, "level": cls.level.value, "http_status": cls.http_status, "source": cls.source,
            "doc": inspect.cleandoc(cls.__doc__ or "")}


def response_errors(body: str) -> list[dict[str, str]]:
    """Each ``<error>`` of a response, with the function (and its control id) it belongs to."""
    try:
        root = etree.fromstring(body.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    out = []
    for err in root.iter("error"):
        owner = next((a for a in err.iterancestors() if a.tag in ("result", "authentication", "control")), None)
        out.append({"errorno": err.findtext("errorno") or "", "description": err.findtext("description") or "",
                    "description2": err.findtext("description2") or "", "correction": err.findtext("correction") or "",
                    "where": owner.tag if owner is not None else "response",
                    "function": (owner.findtext("function") or "") if owner is not None else "",
                    "controlid": (owner.findtext("controlid") or "") if owner is not None else ""})
    return out


def explain(body: str) -> list[dict[str, Any]]:
    """The response's errors, each with its catalogue entries and the guide's advice."""
    from intacct_harness.connector.advice import advise
    from intacct_harness.connector.intacct.errors import ErrorDetail

    errors = response_errors(body)
    for err in errors:
        detail = ErrorDetail(err["errorno"], err["description"], err["description2"], err["correction"])
        advice = advise([detail], what=f"{err['function'] or err['where']} failed")
        err["catalogue"] = [_entry(c) for c in catalogue_entries(err["errorno"], err["description2"])]
        err["advice"] = {"fix": advice.fix, "step": advice.step, "step_title": advice.step_title}
    return errors


def pretty(body: str) -> str:
    """XML indented for reading; anything that is not XML (an edge's HTML page, a cut body) as it came."""
    try:
        root = etree.fromstring(body.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                      remove_blank_text=True))
    except (etree.XMLSyntaxError, ValueError):
        return body
    return etree.tostring(root, pretty_print=True, encoding="unicode")
