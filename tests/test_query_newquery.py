"""Behaviour of the ``query`` function's XML filter, orderby and select parsing, and record sorting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct_harness.simulator.query import (
    MAX_DEPTH,
    And,
    Comparison,
    InList,
    IsNull,
    Like,
    MatchAll,
    Or,
    Predicate,
    QuerySyntaxError,
    aggregate_rows,
    evaluate,
    filter_from_xml,
    order_from_xml,
    parse_condition,
    referenced_fields,
    render_condition,
    select_from_xml,
    sort_records,
)

RECORDS = [
    {"RECORDNO": "1", "VENDORID": "V1", "NAME": "Acme", "TOTALDUE": "100.50", "WHENDUE": "07/24/2017"},
    {"RECORDNO": "2", "VENDORID": "V2", "NAME": "acme corp", "TOTALDUE": "20", "WHENDUE": "12/01/2016"},
    {"RECORDNO": "10", "VENDORID": "V10", "NAME": "Bolt", "TOTALDUE": None, "WHENDUE": "01/05/2018"},
    {"RECORDNO": "11", "VENDORID": "V11", "NAME": "Zed", "TOTALDUE": "-3"},
]


def xml(text: str) -> etree._Element:
    return etree.fromstring(text)


def flt(body: str) -> Predicate:
    return filter_from_xml(xml(f"<filter>{body}</filter>"))


def matching(body: str, *, case_insensitive: bool = False) -> list[str]:
    pred = flt(body)
    return [r["RECORDNO"] for r in RECORDS if evaluate(pred, r, case_insensitive=case_insensitive)]


def op(name: str, field: str, *values: str) -> str:
    return f"<{name}><field>{field}</field>" + "".join(f"<value>{v}</value>" for v in values) + f"</{name}>"


# -------------------------------------------------------------------------------------------- filter


@pytest.mark.parametrize(
    ("element", "sql_op"),
    [
        ("equalto", "="),
        ("notequalto", "<>"),
        ("lessthan", "<"),
        ("lessthanorequalto", "<="),
        ("greaterthan", ">"),
        ("greaterthanorequalto", ">="),
    ],
)
def test_comparison_operators(element: str, sql_op: str) -> None:
    assert flt(op(element, "recordno", "2")) == Comparison("RECORDNO", sql_op, "2")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (op("equalto", "RECORDNO", "2"), ["2"]),
        (op("notequalto", "RECORDNO", "2"), ["1", "10", "11"]),
        (op("lessthan", "RECORDNO", "10"), ["1", "2"]),  # numeric, not text order
        (op("lessthanorequalto", "RECORDNO", "10"), ["1", "2", "10"]),
        (op("greaterthan", "TOTALDUE", "0"), ["1", "2"]),  # NULL TOTALDUE never matches
        (op("greaterthanorequalto", "WHENDUE", "01/01/2017"), ["1", "10"]),  # date order
        (op("like", "NAME", "%cme%"), ["1", "2"]),
        (op("notlike", "NAME", "A%"), ["2", "10", "11"]),
        (op("in", "VENDORID", "V1", "V11", "V99"), ["1", "11"]),
        (op("notin", "VENDORID", "V1", "V11"), ["2", "10"]),
        (op("between", "TOTALDUE", "-3", "20"), ["2", "11"]),  # inclusive at both ends
        (op("isnull", "TOTALDUE"), ["10"]),
        (op("isnull", "WHENDUE"), ["11"]),  # missing field is NULL
        (op("isnotnull", "TOTALDUE"), ["1", "2", "11"]),
    ],
)
def test_operator_semantics(body: str, expected: list[str]) -> None:
    assert matching(body) == expected


def test_operator_ast_shapes() -> None:
    assert flt(op("like", "NAME", "A%")) == Like("NAME", "A%")
    assert flt(op("notlike", "NAME", "A%")) == Like("NAME", "A%", negated=True)
    assert flt(op("in", "A", "1", "2")) == InList("A", ("1", "2"))
    assert flt(op("notin", "A", "1")) == InList("A", ("1",), negated=True)
    assert flt(op("isnull", "A")) == IsNull("A")
    assert flt(op("isnotnull", "A")) == IsNull("A", negated=True)
    assert flt(op("between", "A", "1", "5")) == And((Comparison("A", ">=", "1"), Comparison("A", "<=", "5")))


def test_same_ast_as_the_text_language() -> None:
    either = f"<or>{op('isnull', 'TOTALDUE')}{op('in', 'A', '1', '2')}</or>"
    body = f"<and>{op('equalto', 'NAME', 'Acme')}{either}</and>"
    assert flt(body) == parse_condition("NAME = 'Acme' AND (TOTALDUE IS NULL OR A IN ('1', '2'))")


def test_nested_and_or() -> None:
    body = (
        "<or>"
        f"<and>{op('like', 'NAME', 'A%')}{op('greaterthan', 'TOTALDUE', '50')}</and>"
        f"<and>{op('equalto', 'NAME', 'Zed')}{op('lessthan', 'TOTALDUE', '0')}{op('isnull', 'WHENDUE')}</and>"
        "</or>"
    )
    assert matching(body) == ["1", "11"]


def test_case_insensitive_option_applies() -> None:
    assert matching(op("equalto", "NAME", "ACME")) == []
    assert matching(op("equalto", "NAME", "ACME"), case_insensitive=True) == ["1"]
    assert matching(op("like", "NAME", "ACME%"), case_insensitive=True) == ["1", "2"]


def test_values_are_taken_verbatim() -> None:
    assert flt(op("equalto", "NAME", "O'Brien &amp; Co ")) == Comparison("NAME", "=", "O'Brien & Co ")
    assert flt("<equalto><field>NAME</field><value/></equalto>") == Comparison("NAME", "=", "")


def test_field_whitespace_and_case_are_normalised() -> None:
    assert flt("<equalto><field>\n  vendor.name  </field><value>x</value></equalto>") == Comparison(
        "VENDOR.NAME", "=", "x"
    )


def test_comments_are_ignored() -> None:
    body = f"<!-- c --><and><!-- c -->{op('isnull', 'A')}{op('isnull', 'B')}</and>"
    assert flt(body) == And((IsNull("A"), IsNull("B")))


def test_missing_filter_matches_everything() -> None:
    assert filter_from_xml(None) == MatchAll()


def test_referenced_fields_from_xml() -> None:
    body = f"<or>{op('equalto', 'a', '1')}{op('between', 'vendor.creditlimit', '1', '2')}</or>"
    assert referenced_fields(flt(body)) == {"A", "VENDOR.CREDITLIMIT"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (op("contains", "NAME", "x"), "unknown filter operator 'contains'; supported: equalto"),
        (op("EqualTo", "NAME", "x"), "unknown filter operator 'EqualTo'"),
        ("", "'filter' must contain exactly one condition, got 0"),
        (op("isnull", "A") + op("isnull", "B"), "combine several with 'and' or 'or'"),
        (f"<and>{op('isnull', 'A')}</and>", "'and' needs at least two conditions, got 1"),
        ("<or/>", "'or' needs at least two conditions, got 0"),
        ("<equalto><value>1</value></equalto>", "'equalto' needs exactly one 'field', got 0"),
        ("<equalto><field>A</field><field>B</field><value>1</value></equalto>", "exactly one 'field', got 2"),
        ("<equalto><field>A</field></equalto>", "'equalto' needs exactly 1 'value' element, got 0"),
        (op("equalto", "A", "1", "2"), "'equalto' needs exactly 1 'value' element, got 2"),
        (op("like", "A"), "'like' needs exactly 1 'value' element"),
        (op("in", "A"), "'in' needs at least one 'value'"),
        (op("notin", "A"), "'notin' needs at least one 'value'"),
        (op("between", "A", "1"), "'between' needs exactly 2 'value' elements, got 1"),
        (op("between", "A", "1", "2", "3"), "'between' needs exactly 2 'value' elements, got 3"),
        (op("isnull", "A", "1"), "'isnull' needs exactly 0 'value' elements, got 1"),
        (
            "<equalto><field>A</field><value>1</value><extra/></equalto>",
            "unexpected element 'extra' in 'equalto'",
        ),
        (op("equalto", "", "1"), "empty 'field' in 'equalto'"),
        (op("equalto", "A B", "1"), "invalid field name 'A B' in 'equalto'"),
        (op("equalto", "AND", "1"), "invalid field name 'AND'"),
    ],
)
def test_filter_errors(body: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        flt(body)
    assert str(info.value).startswith("Invalid query: ")
    assert fragment in str(info.value)


def test_filter_depth_limit() -> None:
    def nested(depth: int) -> str:
        inner = op("isnull", "A")
        for _ in range(depth):
            inner = f"<and>{inner}{op('isnull', 'B')}</and>"
        return inner

    assert isinstance(flt(nested(MAX_DEPTH)), And)
    with pytest.raises(QuerySyntaxError, match=f"deeper than {MAX_DEPTH} levels"):
        flt(nested(MAX_DEPTH + 1))


# ------------------------------------------------------------------------------------------- orderby


def test_order_from_xml() -> None:
    el = xml(
        "<orderby><order><field>totaldue</field><ascending/></order>"
        "<order><field>RECORDNO</field><descending/></order>"
        "<order><field>NAME</field></order></orderby>"
    )
    assert order_from_xml(el) == [("TOTALDUE", True), ("RECORDNO", False), ("NAME", True)]


def test_order_from_xml_none_and_empty() -> None:
    assert order_from_xml(None) == []
    assert order_from_xml(xml("<orderby/>")) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<orderby><field>A</field></orderby>", "unexpected element 'field' in 'orderby'"),
        ("<orderby><order><ascending/></order></orderby>", "'order' needs exactly one 'field', got 0"),
        ("<orderby><order><field>A</field><ascending/><descending/></order></orderby>", "not both"),
        ("<orderby><order><field>A</field><up/></order></orderby>", "unexpected element 'up' in 'order'"),
    ],
)
def test_order_errors(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError, match=fragment):
        order_from_xml(xml(text))


def ids(records: list) -> list[str]:
    return [r["RECORDNO"] for r in records]


def test_sort_is_numeric_aware() -> None:
    assert ids(sort_records(RECORDS, [("RECORDNO", False)])) == ["11", "10", "2", "1"]
    assert ids(sort_records(RECORDS, [("TOTALDUE", True)])) == ["10", "11", "2", "1"]  # NULL first


def test_sort_nulls_first_ascending_last_descending() -> None:
    assert ids(sort_records(RECORDS, [("WHENDUE", True)])) == ["11", "2", "1", "10"]  # missing = NULL; dates
    assert ids(sort_records(RECORDS, [("WHENDUE", False)])) == ["10", "1", "2", "11"]


def test_sort_text_is_case_sensitive_code_point_order() -> None:
    assert ids(sort_records(RECORDS, [("NAME", True)])) == ["1", "10", "11", "2"]


def test_sort_multiple_keys_and_stability() -> None:
    recs = [
        {"RECORDNO": "1", "G": "b", "N": "2"},
        {"RECORDNO": "2", "G": "a", "N": "2"},
        {"RECORDNO": "3", "G": "b", "N": "10"},
        {"RECORDNO": "4", "G": "a", "N": "2"},
        {"RECORDNO": "5", "G": None, "N": "1"},
    ]
    assert ids(sort_records(recs, [("G", True), ("N", False)])) == ["5", "2", "4", "3", "1"]
    assert ids(sort_records(recs, [("G", False), ("N", True)])) == ["1", "3", "2", "4", "5"]
    assert ids(sort_records(recs, [])) == ["1", "2", "3", "4", "5"]
    assert ids(recs) == ["1", "2", "3", "4", "5"]  # input untouched


def test_sort_mixed_column_groups_numbers_before_text() -> None:
    recs = [{"RECORDNO": "1", "X": "b"}, {"RECORDNO": "2", "X": "10"}, {"RECORDNO": "3", "X": "9"}]
    assert ids(sort_records(recs, [("X", True)])) == ["3", "2", "1"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.integers(-50, 50).map(str), st.sampled_from(["1.5", "-0.25", "07"])),
        max_size=12,
    ),
    st.booleans(),
)
def test_sort_agrees_with_numeric_comparison(nums: list[str | None], ascending: bool) -> None:
    recs = [{"I": str(i), "N": n} for i, n in enumerate(nums)]
    out = sort_records(recs, [("N", ascending)])
    assert sorted(r["I"] for r in out) == sorted(r["I"] for r in recs)
    for a, b in zip(out, out[1:], strict=False):
        lo, hi = (a, b) if ascending else (b, a)
        if lo["N"] is None or hi["N"] is None:
            assert lo["N"] is None  # NULLs sort first ascending, last descending
        else:
            pred = parse_condition(f"N <= {hi['N']}")
            assert evaluate(pred, {"N": lo["N"]})
            if evaluate(parse_condition(f"N = {hi['N']}"), {"N": lo["N"]}):
                # ties keep input order
                assert int(a["I"]) < int(b["I"])


# -------------------------------------------------------------------------------------------- select


def test_select_from_xml() -> None:
    el = xml("<select><field>customerid</field><field>RECORDNO</field><field>CUSTOMERID</field></select>")
    assert select_from_xml(el).fields == ["CUSTOMERID", "RECORDNO"]


def test_select_accepts_dotted_fields() -> None:
    assert select_from_xml(xml("<select><field>VENDOR.NAME</field></select>")).fields == ["VENDOR.NAME"]


def test_select_keeps_aggregates_in_request_order() -> None:
    sel = select_from_xml(xml("<select><field>CUSTOMERID</field><avg>TOTALDUE</avg><count>recordno</count>"
                              "<sum>TOTALDUE</sum><count>RECORDNO</count></select>"))
    assert sel.fields == ["CUSTOMERID"]
    assert sel.aggregates == [("avg", "TOTALDUE"), ("count", "RECORDNO"), ("sum", "TOTALDUE")]
    assert sel.output == ["CUSTOMERID", "AVG.TOTALDUE", "COUNT.RECORDNO", "SUM.TOTALDUE"]


@pytest.mark.parametrize("aggregate", ["count", "sum", "min", "max", "avg"])
@pytest.mark.parametrize("body", ["", "<field>A</field>"])
def test_an_aggregate_names_its_field_as_text(aggregate: str, body: str) -> None:
    with pytest.raises(QuerySyntaxError, match=f"'{aggregate}' takes a field name as text"):
        select_from_xml(xml(f"<select><{aggregate}>{body}</{aggregate}></select>"))


ROWS = [{"C": "A", "T": "10", "D": "01/05/2026"}, {"C": "B", "T": "2.5", "D": "12/01/2025"},
        {"C": "A", "T": "20.25", "D": None}, {"C": "A", "T": "", "D": "02/01/2026"}]


def test_aggregates_group_by_the_plain_fields() -> None:
    sel = select_from_xml(xml("<select><field>C</field><count>T</count><sum>T</sum><avg>T</avg><min>D</min>"
                              "<max>D</max></select>"))
    assert aggregate_rows(sel, ROWS) == [
        {"C": "A", "COUNT.T": "2", "SUM.T": "30.25", "AVG.T": "15.125", "MIN.D": "01/05/2026",
         "MAX.D": "02/01/2026"},
        {"C": "B", "COUNT.T": "1", "SUM.T": "2.5", "AVG.T": "2.5", "MIN.D": "12/01/2025", "MAX.D": "12/01/2025"}]


def test_an_aggregate_without_fields_is_one_row_even_over_nothing() -> None:
    sel = select_from_xml(xml("<select><count>T</count><sum>T</sum><avg>T</avg></select>"))
    assert aggregate_rows(sel, ROWS) == [{"COUNT.T": "3", "SUM.T": "32.75", "AVG.T": "10.9166666667"}]
    assert aggregate_rows(sel, []) == [{"COUNT.T": "0", "SUM.T": None, "AVG.T": None}]


def test_sum_of_text_is_refused() -> None:
    sel = select_from_xml(xml("<select><sum>C</sum></select>"))
    with pytest.raises(QuerySyntaxError, match="'sum' needs a numeric field; C has the value 'A'"):
        aggregate_rows(sel, ROWS)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<select/>", "at least one 'field'"),
        ("<select><field>*</field></select>", "returning all fields is not supported"),
        ("<select><fields>A</fields></select>", "unexpected element 'fields' in 'select'"),
        ("<select><median>A</median></select>", "unexpected element 'median' in 'select'"),
        ("<select><field>1ABC</field></select>", "invalid field name '1ABC'"),
    ],
)
def test_select_errors(text: str, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError, match=fragment):
        select_from_xml(xml(text))


# ------------------------------------------------------------------------------------------ property

FIELDS = ["A", "B"]
vals = st.sampled_from(["1", "2", "10", "abc", "ABC", "07/24/2017", "a%", "", "x'y"])
leaf_xml = st.one_of(
    st.tuples(
        st.sampled_from(["equalto", "notequalto", "lessthan", "greaterthanorequalto", "like", "notlike"]),
        st.sampled_from(FIELDS),
        vals.map(lambda v: (v,)),
    ),
    st.tuples(
        st.sampled_from(["in", "notin"]),
        st.sampled_from(FIELDS),
        st.lists(vals, min_size=1, max_size=3).map(tuple),
    ),
    st.tuples(st.just("between"), st.sampled_from(FIELDS), st.tuples(vals, vals)),
    st.tuples(st.sampled_from(["isnull", "isnotnull"]), st.sampled_from(FIELDS), st.just(())),
)


def _leaf_el(spec: tuple[str, str, tuple[str, ...]]) -> etree._Element:
    name, field, values = spec
    el = etree.Element(name)
    etree.SubElement(el, "field").text = field
    for v in values:
        etree.SubElement(el, "value").text = v
    return el


filters = st.recursive(
    leaf_xml.map(_leaf_el),
    lambda kids: st.tuples(st.sampled_from(["and", "or"]), st.lists(kids, min_size=2, max_size=3)).map(
        lambda t: _group(*t)
    ),
    max_leaves=6,
)


def _group(name: str, kids: list[etree._Element]) -> etree._Element:
    el = etree.Element(name)
    for kid in kids:
        el.append(etree.fromstring(etree.tostring(kid)))  # copy: hypothesis may reuse elements
    return el


@settings(max_examples=150, deadline=None)
@given(filters, st.dictionaries(st.sampled_from(FIELDS), st.one_of(st.none(), vals)), st.booleans())
def test_xml_filter_round_trips_through_text(el: etree._Element, record: dict, ci: bool) -> None:
    wrapper = etree.Element("filter")
    wrapper.append(etree.fromstring(etree.tostring(el)))
    pred = filter_from_xml(wrapper)
    assert isinstance(pred, And | Or | Comparison | Like | InList | IsNull)
    reparsed = parse_condition(render_condition(pred))
    assert evaluate(reparsed, record, case_insensitive=ci) == evaluate(pred, record, case_insensitive=ci)
