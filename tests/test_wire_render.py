"""The text renderer of gateway responses writes exactly the bytes an lxml tree would (issue 10).

``wire.response.success`` / ``control_failure`` write the envelope as text for speed; ``success_tree`` and
the lxml helpers are the reference. Hypothesis feeds both the texts that need escaping (``& < > " CR LF
TAB``), non-ASCII, empty and missing values, nested and repeated record fields, and lxml-built data.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct_harness.simulator.errors import ErrorDetail
from intacct_harness.simulator.wire import response as wire
from intacct_harness.simulator.wire.envelope import Control

# XML 1.0 characters (what lxml accepts), weighted towards the ones that must be escaped.
text = st.one_of(st.sampled_from(["", "a&b", "<x>", 'q"uote', "cr\rlf\nta\tb", "é ü 中文", "]]>"]),
                 st.text(st.characters(codec="utf-8", exclude_categories=("Cs",),
                                       exclude_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32),
                                                                            0xFFFE, 0xFFFF]))), max_size=12))
tag = st.sampled_from(["RECORDNO", "VENDORID", "apbill", "RECORD_URL", "NAME"])
scalar = st.one_of(st.none(), text, st.integers(-5, 10**6))
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(tag, inner, max_size=3)), max_leaves=6)
errors = st.lists(st.builds(ErrorDetail, text, text, text, text), max_size=2)


@st.composite
def results(draw: st.DrawFn) -> wire.Result:
    data: wire.Records | etree._Element | None = draw(st.sampled_from(["records", "element", None]))
    if data == "records":
        data = wire.Records(draw(st.lists(st.tuples(tag, st.dictionaries(tag, value, max_size=4)), max_size=3)),
                            draw(st.sampled_from(["objects", 'a"b\n'])))
    elif data == "element":
        data = wire.record_element("data", draw(st.dictionaries(tag, value, max_size=3)))
        data.set("count", draw(text))
    key = draw(st.one_of(st.none(), text))
    return wire.Result(draw(st.sampled_from(["success", "failure", "aborted"])), draw(text), draw(text), data=data,
                       key=key, errors=draw(errors))


auth = st.builds(wire.AuthInfo, st.sampled_from(["success", "failure"]), text, text, st.one_of(st.none(), text),
                 st.one_of(st.none(), text), st.one_of(st.none(), text))
outcomes = st.lists(st.builds(wire.OperationOutcome, auth, errors, st.lists(results(), max_size=3)), max_size=2)
controls = st.builds(Control, text, text, text, text, text, text)


@settings(max_examples=300, deadline=None)
@given(controls, outcomes)
def test_success_text_is_the_tree_byte_for_byte(control: Control, ops: list[wire.OperationOutcome]) -> None:
    assert wire.success(control, ops) == wire.success_tree(control, ops)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), controls), errors)
def test_control_failure_text_is_the_tree(control: Control | None, errs: list[ErrorDetail]) -> None:
    root = etree.Element("response")
    wire._control(root, "failure", control)
    wire.errormessage(root, errs)
    assert wire.control_failure(control, errs) == wire.serialise(root)


def test_characters_xml_cannot_carry_become_replacement_characters() -> None:
    out = wire.success(Control(controlid="c\x01"), [])
    assert b"<controlid>c\xef\xbf\xbd</controlid>" in out
    etree.fromstring(out)  # still well-formed
