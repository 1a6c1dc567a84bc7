"""XML-invalid characters in TMS text (Word's U+000B, other C0 controls, lone surrogates, U+FFFE/U+FFFF).

They used to raise ``ValueError`` out of the sync, so that document's batch never posted, on every run.
Now each is replaced by a space and the document is named in the report; the sync never raises.
"""

from __future__ import annotations

import dataclasses

import pytest

from intacct_harness.connector.intacct.xmltext import replacements, xml_text
from intacct_harness.connector.tms.model import LoadStatus
from tests.connector.conftest import ESTABLISHED, connect
from tests.connector.test_faults import assert_exactly_once

BAD = ["\x0b", "\x00", "\x01", "\x1f", "\x0c", "\ud800", "\udfff", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", BAD)
def test_each_invalid_character_is_replaced_and_reported(char):
    with replacements() as found:
        assert xml_text(f"a{char}b{char}", "memo") == "a b "
    assert [str(r) for r in found] == [f"U+{ord(char):04X} in <memo>"]


def test_valid_text_passes_untouched():
    text = "tab\tnew\nline\r é 中 \U0001F69A \ufffd"
    with replacements() as found:
        assert xml_text(text) == text
    assert found == []


def test_a_sync_with_invalid_characters_posts_every_document_and_names_the_changed_ones(seeded, data):
    loads = [ld for ld in data.loads if ld.subsidiary_id == "SUB-1" and ld.status is LoadStatus.DELIVERED
             and ld.created_at >= ESTABLISHED]
    loads[0].origin = "Dallas\x0bTX"                                      # Word's manual line break
    loads[1].charges[0] = dataclasses.replace(loads[1].charges[0], description="Detention\x01\ud800")
    st = next(s for s in data.settlements if s.subsidiary_id == "SUB-1" and s.created_at >= ESTABLISHED)
    st.lines[0] = dataclasses.replace(st.lines[0], description="Fuel\uffff advance")
    report = connect(seeded).sync(data)
    assert report.ok, (report.error, report.failed)
    assert_exactly_once(seeded, data)
    notes = [n for n in report.notes if "XML cannot carry" in n]
    assert len(notes) == 3
    assert any(f"(load {loads[0].number})" in n and "U+000B in <description>" in n for n in notes)
    assert any(f"(load {loads[1].number})" in n and "U+0001, U+D800 in <memo>" in n for n in notes)
    assert any(f"settlement {st.number})" in n and "U+FFFF in <ENTRYDESCRIPTION>" in n for n in notes)
    invoice = next(r for r in seeded.records("ARINVOICE") if r["RECORDID"].endswith(loads[0].number))
    assert "Dallas TX" in str(invoice)
