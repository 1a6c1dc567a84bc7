"""A TMS value with no dimension mapping never posts silently untagged (over the wire, to the simulator)."""

from __future__ import annotations

import pytest

from intacct_harness.connector import DimensionMapping
from intacct_harness.connector.errors import SettingsError
from intacct_harness.connector.export import documents_for
from tests.connector.conftest import ESTABLISHED, connect, settings_for

DEPARTMENTS = DimensionMapping("DEPARTMENT", source="division", values={"OTR": "OTR"})


def new_docs(data):
    return [d for d in documents_for(data, "SUB-1") if d.created_at >= ESTABLISHED]


def test_unmapped_division_fails_before_sending_naming_the_mapping_to_add(seeded, data, wire_factory):
    wire, http = wire_factory()
    progress = []
    report = connect(seeded, http=http, dimensions=(DEPARTMENTS,)).sync(data, progress=progress.append)
    docs = new_docs(data)
    unmapped = {d.key.number: d.source.division for d in docs if d.source.division != "OTR"}
    assert unmapped and {o.number for o in report.failed} == set(unmapped)
    assert report.posted == len(docs) - len(unmapped)
    outcome = report.failed[0]
    value = unmapped[outcome.number]
    assert outcome.errorno == "MAP-DIMENSION"
    assert f"the Department dimension mapping has no Sage value for TMS division '{value}'" in outcome.message
    assert (f"Add {value} to the Department dimension mapping at Settings > Connections > Sage Intacct. Then sync "
            "again (setup guide step 6: (Optional) Plan your dimension mapping)") in outcome.advice
    sent = b"".join(wire.bodies)
    assert all(f">{n}<".encode() not in sent for n in unmapped)             # never sent to Sage
    assert progress[-1].refused == len(unmapped) and progress[-1].failed == 0


def test_post_untagged_posts_without_the_dimension_and_says_so(seeded, data):
    report = connect(seeded, dimensions=(DEPARTMENTS,), unmapped_dimensions="post_untagged").sync(data)
    docs = new_docs(data)
    assert report.ok and report.posted == len(docs)
    values = sorted({d.source.division for d in docs if d.source.division != "OTR"})
    notes = [n for n in report.notes if "posted without a Department" in n]
    assert len(notes) == len(values)
    assert all(f"Add {v} to the Department dimension mapping" in " ".join(notes) for v in values)


def test_a_default_value_is_no_gap(seeded, data):
    dims = (DimensionMapping("DEPARTMENT", source="division", values={"OTR": "OTR"}, value="REG"),)
    assert connect(seeded, dimensions=dims).sync(data).ok


def test_unknown_policy_is_refused(sim):
    with pytest.raises(SettingsError, match="unmapped_dimensions must be 'fail'"):
        settings_for(sim, unmapped_dimensions="skip")
