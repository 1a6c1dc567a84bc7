"""TMS values a dimension mapping has no Sage value for: such a document is never posted silently untagged.

The setup guide's step 6 ("Plan your dimension mapping") has the customer map TMS values (a division,
an equipment type) to Sage dimension values. A value missing from that mapping used to post the document
without the dimension; now it fails before sending with advice naming the mapping to add, unless the
connection says ``unmapped_dimensions: post_untagged`` (then it posts untagged and the report says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from intacct_harness.connector.advice import Advice
from intacct_harness.connector.export import Document, dimension_raw, document_lines
from intacct_harness.connector.settings import ConnectionSettings

CODE = "MAP-DIMENSION"


@dataclass(frozen=True)
class Unmapped:
    dimension: str
    source: str
    value: str


def unmapped_dimensions(doc: Document, party_id: str, settings: ConnectionSettings) -> list[Unmapped]:
    """The TMS values of ``doc`` that a dimension mapping lists no Sage value for (and has no default for)."""
    out: list[Unmapped] = []
    for m in settings.dimensions:
        if doc.kind not in m.applies_to or not m.values or m.value:
            continue
        for line in document_lines(doc) or [None]:
            raw = dimension_raw(m, doc, party_id, line)
            if raw and raw not in m.values and (gap := Unmapped(m.dimension, str(m.source), raw)) not in out:
                out.append(gap)
    return out


def refusal(doc: Document, gaps: list[Unmapped]) -> tuple[str, str]:
    """(message, advice) for a document held back by ``gaps``, in the guide's words."""
    what = "; ".join(f"the {g.dimension.title()} dimension mapping has no Sage value for TMS {g.source} {g.value!r}"
                     for g in gaps)
    fix = " ".join(f"Add {g.value} to the {g.dimension.title()} dimension mapping at Settings > Connections > Sage "
                   "Intacct." for g in gaps)
    return what, str(Advice(f"{doc.label} did not post", what, fix + " Then sync again", 6))


def untagged_note(doc: Document, gap: Unmapped) -> str:
    return (f"Documents with TMS {gap.source} {gap.value!r} were posted without a {gap.dimension.title()} "
            f"(unmapped_dimensions: post_untagged), starting with {doc.label}. Add {gap.value} to the "
            f"{gap.dimension.title()} dimension mapping at Settings > Connections > Sage Intacct to tag them.")
