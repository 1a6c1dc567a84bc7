"""Behaviour of readByQuery's condition language: parsing, evaluation semantics, limits and round-trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_harness.simulator.query import (
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    And,
    Comparison,
    InList,
    IsNull,
    Like,
    MatchAll,
    Not,
    Or,
    Predicate,
    QuerySyntaxError,
    compare_values,
    equality_lookup,
    evaluate,
    index_key,
    like_match,
    parse_condition,
    referenced_fields,
    render_condition,
)

RECORDS = [
    {"RECORDNO": "1", "NAME": "Acme", "TOTALDUE": "100.50", "WHENDUE": "07/24/2017", "STATUS": "active"},
    {"RECORDNO": "2", "NAME": "acme corp", "TOTALDUE": "20", "WHENDUE": "12/01/2016", "STATUS": "inactive"},
    {"RECORDNO": "10", "NAME": "O'Brien", "TOTALDUE": None, "WHENDUE": "01/05/2018", "STATUS": "active"},
    {"RECORDNO": "11", "NAME": "Zed_1%", "TOTALDUE": "-3", "STATUS": "active"},
]


def matching(query: str, *, case_insensitive: bool = False) -> list[str]:
    pred = parse_condition(query)
    return [r["RECORDNO"] for r in RECORDS if evaluate(pred, r, case_insensitive=case_insensitive)]


# ------------------------------------------------------------------------------------------- parsing


def test_parses_simple_comparison_and_normalises_field_case() -> None:
    assert parse_condition("recordNo < 2") == Comparison("RECORDNO", "<", "2")


def test_parses_dotted_field_names() -> None:
    assert parse_condition("vendor.name = 'X'") == Comparison("VENDOR.NAME", "=", "X")


@pytest.mark.parametrize("op", ["=", "<>", "<", ">", "<=", ">="])
def test_parses_every_comparison_operator(op: str) -> None:
    assert parse_condition(f"A {op} 'v'") == Comparison("A", op, "v")


def test_bang_equals_is_an_alias_for_not_equal() -> None:
    assert parse_condition("A != 'v'") == Comparison("A", "<>", "v")


def test_keywords_are_case_insensitive() -> None:
    assert parse_condition("a not like 'x%' and b is not null or c In (1) aNd d NoT iN (2)") == Or(
        (
            And((Like("A", "x%", negated=True), IsNull("B", negated=True))),
            And((InList("C", ("1",)), InList("D", ("2",), negated=True))),
        )
    )


def test_operators_without_spaces() -> None:
    assert parse_condition("A>=-5 AND B<>'x'") == And(
        (Comparison("A", ">=", "-5"), Comparison("B", "<>", "x"))
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_query_matches_everything(text: str) -> None:
    pred = parse_condition(text)
    assert pred == MatchAll()
    assert all(evaluate(pred, r) for r in RECORDS)
    assert evaluate(pred, {})


def test_and_binds_tighter_than_or() -> None:
    assert parse_condition("A = 1 OR B = 2 AND C = 3") == Or(
        (Comparison("A", "=", "1"), And((Comparison("B", "=", "2"), Comparison("C", "=", "3"))))
    )
    # Record matches A only: true under AND-before-OR, false if OR bound tighter.
    assert evaluate(parse_condition("A = 1 OR B = 2 AND C = 3"), {"A": "1", "B": "0", "C": "0"})


def test_parentheses_override_precedence() -> None:
    pred = parse_condition("(A = 1 OR B = 2) AND C = 3")
    assert pred == And(
        (Or((Comparison("A", "=", "1"), Comparison("B", "=", "2"))), Comparison("C", "=", "3"))
    )
    assert not evaluate(pred, {"A": "1", "B": "0", "C": "0"})
    assert evaluate(pred, {"A": "1", "B": "0", "C": "3"})


def test_not_prefix_binds_tighter_than_and() -> None:
    pred = parse_condition("NOT A = 1 AND B = 2")
    assert pred == And((Not(Comparison("A", "=", "1")), Comparison("B", "=", "2")))


def test_long_chains_stay_flat() -> None:
    pred = parse_condition(" OR ".join(f"A = {i}" for i in range(5000)))
    assert isinstance(pred, Or) and len(pred.items) == 5000
    assert evaluate(pred, {"A": "4999"})


# ------------------------------------------------------------------------------------- quoting/values


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("'O''Brien'", "O'Brien"),
        (r"'O\'Brien'", "O'Brien"),
        ("''", ""),
        ("''''", "'"),
        (r"'C:\temp'", r"C:\temp"),
        (r"'back\\'", "back\\"),
        ("'a AND b = 1'", "a AND b = 1"),
        ("'  padded  '", "  padded  "),
        ("'ünïcødé'", "ünïcødé"),
        ("42", "42"),
        ("-1.5", "-1.5"),
        (".5", ".5"),
    ],
)
def test_literal_values(literal: str, value: str) -> None:
    assert parse_condition(f"NAME = {literal}") == Comparison("NAME", "=", value)


def test_quote_escaping_matches_record() -> None:
    assert matching("NAME = 'O''Brien'") == ["10"]
    assert matching(r"NAME = 'O\'Brien'") == ["10"]


def test_render_escapes_quotes_and_backslashes() -> None:
    pred = Comparison("NAME", "=", "it's a \\ test\\")
    assert render_condition(pred) == "NAME = 'it''s a \\\\ test\\\\'"
    assert parse_condition(render_condition(pred)) == pred


# ---------------------------------------------------------------------------------------- semantics


def test_equality_is_case_sensitive_by_default() -> None:
    assert matching("NAME = 'acme'") == []
    assert matching("NAME = 'Acme'") == ["1"]


def test_case_insensitive_option() -> None:
    assert matching("NAME = 'ACME'", case_insensitive=True) == ["1"]
    assert matching("NAME LIKE 'ACME%'", case_insensitive=True) == ["1", "2"]
    assert matching("NAME IN ('ACME CORP')", case_insensitive=True) == ["2"]
    assert matching("STATUS <> 'ACTIVE'", case_insensitive=True) == ["2"]
    assert matching("STATUS <> 'ACTIVE'") == ["1", "2", "10", "11"]


def test_numeric_comparison_when_both_sides_are_numbers() -> None:
    # As text, "10" < "2"; numerically it is not.
    assert matching("RECORDNO < 2") == ["1"]
    assert matching("RECORDNO > '2'") == ["10", "11"]
    assert matching("TOTALDUE >= 100.5") == ["1"]
    assert matching("TOTALDUE < 0") == ["11"]
    assert matching("RECORDNO = '01'") == ["1"]
    assert matching("TOTALDUE = 100.500") == ["1"]


def test_text_comparison_when_one_side_is_not_a_number() -> None:
    assert matching("NAME < 'P'") == ["1", "10"]  # "Acme", "O'Brien"; lowercase sorts after uppercase
    assert compare_values("10", "9x") < 0  # text order, because "9x" is not a number
    assert compare_values("10", "9") > 0


def test_date_comparison_uses_calendar_order() -> None:
    # As text "12/01/2016" > "07/24/2017"; as dates it is earlier.
    assert matching("WHENDUE < '01/01/2017'") == ["2"]
    assert matching("WHENDUE >= '7/24/2017'") == ["1", "10"]
    assert matching("WHENDUE = '07/24/2017'") == ["1"]


def test_datetime_values_compare_with_dates() -> None:
    stamp = {"WHENMODIFIED": "07/24/2017 15:19:46"}
    assert evaluate(parse_condition("WHENMODIFIED > '07/24/2017'"), stamp)
    assert evaluate(parse_condition("WHENMODIFIED < '07/24/2017 15:20:00'"), stamp)
    assert not evaluate(parse_condition("WHENMODIFIED = '07/24/2017'"), stamp)


def test_impossible_dates_are_plain_text() -> None:
    assert compare_values("02/30/2020", "03/01/2019") < 0  # text comparison: "02" < "03"
    assert compare_values("02/28/2020", "03/01/2019") > 0  # date comparison


def test_null_never_compares_equal_or_unequal() -> None:
    assert matching("TOTALDUE = 100.5") == ["1"]
    assert matching("TOTALDUE <> 100.5") == ["2", "11"]  # NULL (record 10) is in neither
    assert matching("TOTALDUE IS NULL") == ["10"]
    assert matching("TOTALDUE IS NOT NULL") == ["1", "2", "11"]


def test_missing_field_is_null() -> None:
    assert matching("WHENDUE IS NULL") == ["11"]
    assert matching("WHENDUE > '01/01/2000'") == ["1", "2", "10"]
    assert matching("NOSUCHFIELD IS NULL") == ["1", "2", "10", "11"]


def test_not_of_null_comparison_stays_false() -> None:
    # SQL three-valued logic: NOT(unknown) is unknown, so record 10 (TOTALDUE NULL) never matches.
    assert matching("NOT TOTALDUE = 100.5") == ["2", "11"]
    assert matching("NOT (TOTALDUE = 100.5 OR STATUS = 'x')") == ["2", "11"]
    assert matching("TOTALDUE = 1 OR STATUS = 'active'") == ["1", "10", "11"]  # unknown OR true = true
    assert matching("NOT (TOTALDUE IS NULL)") == ["1", "2", "11"]


def test_not_in_and_not_like_exclude_nulls() -> None:
    assert matching("TOTALDUE NOT IN (20)") == ["1", "11"]
    assert matching("TOTALDUE NOT LIKE '2%'") == ["1", "11"]


def test_in_list_uses_numeric_aware_equality() -> None:
    assert matching("RECORDNO IN (1, '10', 99)") == ["1", "10"]
    assert matching("RECORDNO IN ('1.0')") == ["1"]
    assert matching("RECORDNO NOT IN (1, 2)") == ["10", "11"]


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("Acme", "A%", True),
        ("Acme", "%me", True),
        ("Acme", "%cm%", True),
        ("Acme", "A_me", True),
        ("Acme", "A_e", False),
        ("Acme", "a%", False),
        ("Acme", "Acme", True),
        ("Acme", "Acm", False),
        ("", "%", True),
        ("", "_", False),
        ("abc", "%%%", True),
        ("a.c", "a_c", True),
        ("abc", "a.c", False),  # regex metacharacters are literal
        ("line1\nline2", "line1%", True),
        ("Zed_1%", "Zed\\_%", False),  # no escape character: backslash is literal
        ("aXbXc", "a%b%c", True),
        ("abab", "%ab", True),
        ("aab", "a%ab", True),
        ("ab", "a%ab", False),  # segments may not overlap
    ],
)
def test_like_wildcards(value: str, pattern: str, expected: bool) -> None:
    assert like_match(value, pattern) is expected
    pred = parse_condition(render_condition(Like("F", pattern)))
    assert evaluate(pred, {"F": value}) is expected
    assert evaluate(Like("F", pattern, negated=True), {"F": value}) is not expected


def test_like_case_insensitive() -> None:
    assert not like_match("ACME", "ac%")
    assert like_match("ACME", "ac%", case_insensitive=True)


def test_like_with_hostile_pattern_is_fast() -> None:
    pattern = "%a" * 2000 + "%b"
    assert not like_match("a" * 5000, pattern)


# ------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("NAME = 'x' FOO", 12, "unexpected token 'FOO'"),
        ("NAME = ", 8, "unexpected end of query"),
        ("NAME", 5, "expected a comparison operator, LIKE, IN or IS"),
        ("= 'x'", 1, "unexpected token '='"),
        ("NAME = 'x", 8, "unterminated string literal"),
        ("NAME == 'x'", 7, "unexpected token '='"),
        ("NAME = 'x' AND", 15, "unexpected end of query"),
        ("(NAME = 'x'", 12, "expected ')'"),
        ("NAME = 'x')", 11, "unexpected token ')'"),
        ("NAME IN ()", 10, "unexpected token ')'"),
        ("NAME IN ('a' 'b')", 14, "expected ',' or ')'"),
        ("NAME IN 'a'", 9, "expected '('"),
        ("NAME IS 'x'", 9, "expected NULL"),
        ("NAME NOT = 'x'", 10, "expected LIKE or IN after NOT"),
        ("NAME = NULL", 8, "unexpected token 'NULL'"),
        ("NAME = OTHERFIELD", 8, "unexpected token 'OTHERFIELD'"),
        ("NAME # 'x'", 6, "unexpected character '#'"),
        ("NAME = 1.2.3", 8, "malformed number"),
        ("VENDOR. = 'x'", 7, "unexpected character '.'"),
        ("AND = 'x'", 1, "unexpected token 'AND'"),
    ],
)
def test_syntax_errors_point_at_position(text: str, position: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_condition(text)
    message = str(info.value)
    assert message.startswith("Invalid query: ")
    assert fragment in message
    assert f"at position {position}" in message
    assert info.value.position == position


def test_error_message_format() -> None:
    with pytest.raises(QuerySyntaxError, match=r"^Invalid query: unexpected token 'FOO' at position 12 \("):
        parse_condition("NAME = 'x' FOO")


def test_query_syntax_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_condition("(")


def test_length_limit() -> None:
    ok = "NAME = '" + "x" * (MAX_QUERY_LENGTH - 9) + "'"
    assert len(ok) == MAX_QUERY_LENGTH
    assert isinstance(parse_condition(ok), Comparison)
    with pytest.raises(QuerySyntaxError, match="limit is 65536"):
        parse_condition(ok + " ")


def test_depth_limit_for_parentheses() -> None:
    assert parse_condition("(" * MAX_DEPTH + "A = 1" + ")" * MAX_DEPTH) == Comparison("A", "=", "1")
    with pytest.raises(QuerySyntaxError, match=f"nesting deeper than {MAX_DEPTH} levels at position 101"):
        parse_condition("(" * (MAX_DEPTH + 1) + "A = 1" + ")" * (MAX_DEPTH + 1))


def test_depth_limit_for_not_chains() -> None:
    pred = parse_condition("NOT " * MAX_DEPTH + "A = 1")
    assert evaluate(pred, {"A": "1"})  # an even number of NOTs
    with pytest.raises(QuerySyntaxError, match="nesting deeper"):
        parse_condition("NOT " * (MAX_DEPTH + 1) + "A = 1")


def test_pathological_nesting_raises_syntax_error_not_recursion_error() -> None:
    for text in ["(" * 50_000, "NOT " * 16_000 + "A = 1", "(" * 30_000 + "A = 1" + ")" * 30_000]:
        with pytest.raises(QuerySyntaxError):
            parse_condition(text)


# --------------------------------------------------------------------------------------- inspection


def test_referenced_fields() -> None:
    pred = parse_condition("a = 1 AND (vendor.name LIKE 'x%' OR NOT c IN (1)) AND d IS NULL OR a > 2")
    assert referenced_fields(pred) == {"A", "VENDOR.NAME", "C", "D"}
    assert referenced_fields(MatchAll()) == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VENDORID = 'V100'", ("VENDORID", "V100")),
        ("name = 'O''Brien'", ("NAME", "O'Brien")),
        ("RECORDNO = 5", ("RECORDNO", "5")),
        ("(VENDORID = 'V100')", ("VENDORID", "V100")),
        ("VENDORID <> 'V100'", None),
        ("VENDORID LIKE 'V100'", None),
        ("VENDORID IN ('V100')", None),
        ("VENDORID = 'V100' AND STATUS = 'active'", None),
        ("VENDORID = 'V100' OR VENDORID = 'V200'", None),
        ("NOT VENDORID = 'V100'", None),
        ("", None),
    ],
)
def test_equality_lookup(text: str, expected: tuple[str, str] | None) -> None:
    assert equality_lookup(parse_condition(text)) == expected


def test_index_key_agrees_with_equality() -> None:
    assert index_key("5") == index_key("05") == index_key("5.0")
    assert index_key("07/04/2017") == index_key("7/4/2017")
    assert index_key("abc") != index_key("ABC")
    assert index_key("abc", case_insensitive=True) == index_key("ABC", case_insensitive=True)
    assert index_key("5") != index_key("5x")
    assert index_key(None) is None


# --------------------------------------------------------------------------------- property tests

FIELDS = ["A", "B", "VENDOR.NAME"]
VALUE_POOL = [
    "",
    "0",
    "1",
    "01",
    "1.5",
    "-2",
    "10",
    "abc",
    "ABC",
    "aBc",
    "a'b",
    "x\\",
    "%_",
    "a%",
    "a_c",
    "07/24/2017",
    "7/4/2017",
    "12/01/2016 10:00:00",
    "O'Brien",
    "é",
]
values = st.one_of(st.sampled_from(VALUE_POOL), st.text(max_size=6))
patterns = st.one_of(
    st.sampled_from(["%", "a%", "%c", "_", "a_c", "%b%", "A%", "%'%", "\\%"]), st.text(max_size=5)
)
fields = st.sampled_from(FIELDS)

leaves = st.one_of(
    st.builds(Comparison, fields, st.sampled_from(["=", "<>", "<", ">", "<=", ">="]), values),
    st.builds(Like, fields, patterns, st.booleans()),
    st.builds(InList, fields, st.lists(values, min_size=1, max_size=4).map(tuple), st.booleans()),
    st.builds(IsNull, fields, st.booleans()),
)
predicates: st.SearchStrategy[Predicate] = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(And, st.lists(children, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(children, min_size=2, max_size=3).map(tuple)),
        st.builds(Not, children),
    ),
    max_leaves=8,
)
records = st.dictionaries(fields, st.one_of(st.none(), values), max_size=len(FIELDS))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_raises_only_query_syntax_error_on_arbitrary_text(text: str) -> None:
    try:
        pred = parse_condition(text)
    except QuerySyntaxError as exc:
        assert str(exc).startswith("Invalid query: ")
    else:
        assert isinstance(pred, Predicate)


TOKENS = [
    "A",
    "b.c",
    "=",
    "<>",
    "!=",
    "<",
    ">=",
    "LIKE",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "AND",
    "OR",
    "(",
    ")",
    ",",
    "'x'",
    "'it''s'",
    "'",
    "\\'",
    "12",
    "-3.5",
    " ",
    "%",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_parse_raises_only_query_syntax_error_on_token_soup(tokens: list[str]) -> None:
    # Near-valid input exercises far more of the grammar than random characters do.
    text = " ".join(tokens)
    try:
        pred = parse_condition(text)
    except QuerySyntaxError as exc:
        assert exc.position is None or 1 <= exc.position <= len(text) + 1
    else:
        assert isinstance(pred, Predicate)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(predicates, st.lists(records, min_size=1, max_size=5), st.booleans())
def test_render_then_parse_evaluates_identically(pred: Predicate, recs: list[dict], ci: bool) -> None:
    reparsed = parse_condition(render_condition(pred))
    assert referenced_fields(reparsed) == referenced_fields(pred)
    for rec in recs:
        assert evaluate(reparsed, rec, case_insensitive=ci) == evaluate(pred, rec, case_insensitive=ci)


@settings(max_examples=200, deadline=None)
@given(predicates)
def test_parse_inverts_render_exactly(pred: Predicate) -> None:
    assert parse_condition(render_condition(pred)) == pred


def _reference_like(value: str, pattern: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab%_", max_size=8), st.text(alphabet="abc", max_size=10))
def test_like_agrees_with_a_regex_reference(pattern: str, value: str) -> None:
    assert like_match(value, pattern) == _reference_like(value, pattern)


@settings(max_examples=200, deadline=None)
@given(values, values, st.booleans())
def test_index_key_matches_equality(a: str, b: str, ci: bool) -> None:
    equal = evaluate(Comparison("F", "=", b), {"F": a}, case_insensitive=ci)
    assert (index_key(a, case_insensitive=ci) == index_key(b, case_insensitive=ci)) == equal


@given(st.one_of(st.text(max_size=30), st.from_regex(r"[+-]?[0-9]{0,4}(\.[0-9]{0,3})?", fullmatch=True),
                 st.from_regex(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?", fullmatch=True)))
def test_literal_kind_shortcut_for_text_agrees_with_parsing_the_value(value: str) -> None:
    """literal_kind answers text without parsing when its first character cannot start a number or a date;
    on any value it must give what trying a number, then a date, gives."""
    from intacct_harness.simulator.query.condition import _typed, literal_kind

    assert literal_kind(value) == _typed(value)[0]
