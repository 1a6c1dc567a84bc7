"""Matching customers, carriers and drivers to Sage: External Accounting ID, then name, then policy."""

from __future__ import annotations

from intacct_harness.connector.matching import How, Match, Matcher, MatchFailure, new_id
from intacct_harness.connector.tms.model import Party, PartyKind
from tests.connector.conftest import connect


def matcher(sim, unmatched="fail"):
    return Matcher(connect(sim).client, "SUB-1", unmatched=unmatched)


def add(sim, obj, *rows):
    sim.admin.add_records(sim.company_id, {obj: [dict(zip((f"{obj}ID", "NAME", "STATUS"), r, strict=False))
                                                 for r in rows]})


def test_external_accounting_id_wins(sim):
    add(sim, "VENDOR", ("V-9", "Blue Ridge Carriers"), ("V-10", "Someone Else"))
    p = Party("c1", PartyKind.CARRIER, "Blue Ridge Carriers", {"SUB-1": "V-10"})
    assert matcher(sim).resolve([p])["c1"] == Match("c1", "V-10", How.EXTERNAL_ID)


def test_external_id_sage_lacks_is_an_error_naming_it(sim):
    add(sim, "CUSTOMER", ("C-1", "Prairie Grain"))
    p = Party("k1", PartyKind.CUSTOMER, "Prairie Grain", {"SUB-1": "C-404"})
    m = matcher(sim).resolve([p])["k1"]
    assert isinstance(m, MatchFailure) and m.code == "MATCH-ID-UNKNOWN" and "C-404" in m.message


def test_external_id_of_another_subsidiary_is_not_used(sim):
    add(sim, "VENDOR", ("V-1", "Maria Gonzalez"), ("V-2", "Other"))
    p = Party("d1", PartyKind.DRIVER, "Maria Gonzalez", {"SUB-2": "V-2"})
    m = matcher(sim).resolve([p])["d1"]
    assert m.how is How.NAME and m.sage_id == "V-1"


def test_name_match_is_case_insensitive_and_advises_an_id(sim):
    add(sim, "CUSTOMER", ("C-7", "LAKESIDE PAPER MILLS"))
    m = matcher(sim).resolve([Party("k", PartyKind.CUSTOMER, "Lakeside Paper Mills")])["k"]
    assert m == Match("k", "C-7", How.NAME, m.note) and "set the External Accounting ID" in m.note


def test_several_candidates_is_ambiguous_never_a_guess(sim):
    add(sim, "VENDOR", ("V-A", "Swift Freight"), ("V-B", "SWIFT FREIGHT"), ("V-C", "swift freight"))
    m = matcher(sim, "create").resolve([Party("c", PartyKind.CARRIER, "Swift Freight")])["c"]
    assert isinstance(m, MatchFailure) and m.code == "MATCH-AMBIGUOUS"
    assert m.candidates == ("V-A", "V-B", "V-C") and "V-A, V-B, V-C" in m.message
    assert len(sim.records("VENDOR")) == 3


def test_none_with_fail_policy(sim):
    m = matcher(sim).resolve([Party("c", PartyKind.CARRIER, "Nowhere Trucking")])["c"]
    assert isinstance(m, MatchFailure) and m.code == "MATCH-NONE" and "Nowhere Trucking" in m.message
    assert sim.records("VENDOR") == []


def test_none_with_create_policy_creates_and_handles_taken_ids(sim):
    add(sim, "VENDOR", ("V-NOWHERETRUCKING", "Different Name"))
    parties = [Party("c", PartyKind.CARRIER, "Nowhere Trucking"), Party("k", PartyKind.CUSTOMER, "New Customer Inc")]
    out = matcher(sim, "create").resolve(parties)
    assert out["c"].how is How.CREATED and out["c"].sage_id == new_id(parties[0], 2) == "V-NOWHERETRUCKING-2"
    assert out["k"] == Match("k", "C-NEWCUSTOMERINC", How.CREATED, out["k"].note)
    assert {r["NAME"] for r in sim.records("VENDOR")} == {"Different Name", "Nowhere Trucking"}


def test_create_failure_is_reported(sim):
    sim.set_permission("Accounts Receivable", "Read only")
    m = matcher(sim, "create").resolve([Party("k", PartyKind.CUSTOMER, "New Customer Inc")])["k"]
    assert isinstance(m, MatchFailure) and m.code == "MATCH-CREATE-FAILED" and m.errors[0].errorno == "PL04000005"


def test_lookups_are_batched_and_cached(sim, wire_factory):
    add(sim, "VENDOR", *[(f"V-{i}", f"Carrier {i}") for i in range(30)])
    wire, http = wire_factory()
    m = Matcher(connect(sim, http=http).client, "SUB-1")
    parties = [Party(f"p{i}", PartyKind.CARRIER, f"carrier {i}", {"SUB-1": f"V-{i}"} if i % 2 else {})
               for i in range(30)]
    out = m.resolve(parties)
    assert all(isinstance(v, Match) for v in out.values()) and len(out) == 30
    assert len(wire.bodies) == 2            # session, then one request for the ID and the name lookups
    assert m.resolve(parties) == out and len(wire.bodies) == 2


def test_lost_answer_on_create_is_matched_by_name_not_created_twice(sim, wire_factory):
    from tests.connector.conftest import writes
    seen = {"n": 0}

    def rule(request, _n):
        if writes(request):
            seen["n"] += 1
            return "lose" if seen["n"] == 1 else None
        return None
    _, http = wire_factory(rule)
    m = Matcher(connect(sim, http=http).client, "SUB-1", unmatched="create")
    out = m.resolve([Party("c", PartyKind.CARRIER, "Nowhere Trucking"), Party("d", PartyKind.DRIVER, "Al Green")])
    assert {v.how for v in out.values()} == {How.NAME}       # Sage had created both: found by name afterwards
    assert sorted(r["NAME"] for r in sim.records("VENDOR")) == ["Al Green", "Nowhere Trucking"]


# -- one normalised rule: Unicode whitespace trimmed and collapsed, letter case ignored ------------------------
def test_normalise_trims_and_collapses_unicode_whitespace():
    from intacct_harness.connector.matching import key, normalise
    assert normalise("\u00a0 Prairie \u2003 Grain\tCo\u200b ") == "Prairie Grain Co"
    assert key("PRAIRIE  grain co\u00a0") == key("Prairie Grain Co")


def test_external_id_typed_with_spaces_or_other_case_posts_to_sages_spelling(sim):
    add(sim, "CUSTOMER", ("C-1001", "Prairie Grain Co"))
    parties = [Party("a", PartyKind.CUSTOMER, "Prairie Grain Co", {"SUB-1": "C-1001 "}),
               Party("b", PartyKind.CUSTOMER, "Prairie Grain Co", {"SUB-1": "\u00a0c-1001"}),
               Party("c", PartyKind.CUSTOMER, "Prairie Grain Co", {"SUB-1": "C-1001"})]
    out = matcher(sim, "create").resolve(parties)
    assert {p: (m.how, m.sage_id) for p, m in out.items()} == {p: (How.EXTERNAL_ID, "C-1001") for p in "abc"}
    assert "'c-1001'" in out["b"].note and "set it to C-1001" in out["b"].note and out["c"].note == ""
    assert len(sim.records("CUSTOMER")) == 1


def test_sage_ids_differing_only_in_case_exact_spelling_wins_else_no_guess(sim):
    add(sim, "VENDOR", ("V-ACE", "Ace Freight"), ("v-ace", "Ace Freight Too"))
    out = matcher(sim).resolve([Party("x", PartyKind.CARRIER, "Ace Freight", {"SUB-1": "v-ace"}),
                                Party("y", PartyKind.CARRIER, "Ace Freight", {"SUB-1": "V-Ace"})])
    assert out["x"] == Match("x", "v-ace", How.EXTERNAL_ID)
    assert isinstance(out["y"], MatchFailure) and out["y"].code == "MATCH-AMBIGUOUS"
    assert out["y"].candidates == ("V-ACE", "v-ace")


def test_inactive_record_with_the_same_name_is_not_a_candidate(sim):
    add(sim, "CUSTOMER", ("C-OLD", "Lakeside Paper", "inactive"), ("C-NEW", "LAKESIDE PAPER", "active"))
    m = matcher(sim).resolve([Party("k", PartyKind.CUSTOMER, "Lakeside Paper")])["k"]
    assert isinstance(m, Match) and m.sage_id == "C-NEW" and m.how is How.NAME


def test_only_inactive_match_fails_naming_the_record_to_reactivate(sim):
    add(sim, "VENDOR", ("V-77", "Maria Gonzalez", "inactive"))
    out = matcher(sim, "create").resolve([Party("d", PartyKind.DRIVER, "Maria Gonzalez"),
                                          Party("e", PartyKind.DRIVER, "Someone", {"SUB-1": "v-77"})])
    for m in out.values():
        assert isinstance(m, MatchFailure) and m.code == "MATCH-INACTIVE" and m.candidates == ("V-77",)
        assert "Reactivate Vendor V-77 in Sage" in m.message and "open the driver profile" in m.message
    assert "V-77 (Maria Gonzalez)" in out["d"].message
    assert len(sim.records("VENDOR")) == 1               # never created again beside the inactive one


def test_sage_name_with_stray_spaces_is_matched_not_created_again(sim, wire_factory):
    add(sim, "CUSTOMER", ("C-5", "Prairie  Grain Co "), ("C-6", "Prairie Grains Co"))
    wire, http = wire_factory()
    m = Matcher(connect(sim, http=http).client, "SUB-1", unmatched="create")
    out = m.resolve([Party("k", PartyKind.CUSTOMER, "prairie grain\u00a0co")])
    assert out["k"].how is How.NAME and out["k"].sage_id == "C-5"
    assert len(sim.records("CUSTOMER")) == 2 and len(wire.bodies) == 3     # session, lookup, spacing-blind lookup
    assert b"<like>" in wire.bodies[2]


def test_created_id_taken_in_another_letter_case_is_skipped(sim):
    add(sim, "VENDOR", ("v-nowheretrucking", "Other Name"))
    out = matcher(sim, "create").resolve([Party("c", PartyKind.CARRIER, " Nowhere\u00a0 Trucking ")])
    assert out["c"].how is How.CREATED and out["c"].sage_id == "V-NOWHERETRUCKING-2"
    assert {r["VENDORID"]: r["NAME"] for r in sim.records("VENDOR")} == {
        "v-nowheretrucking": "Other Name", "V-NOWHERETRUCKING-2": "Nowhere Trucking"}


def test_every_candidate_id_taken_fails_without_creating(sim):
    add(sim, "VENDOR", ("V-ZED", "a"), *[(f"v-zed-{n}", "a") for n in range(2, 6)])
    m = matcher(sim, "create").resolve([Party("c", PartyKind.CARRIER, "Zed")])["c"]
    assert isinstance(m, MatchFailure) and m.code == "MATCH-CREATE-FAILED" and "V-ZED to V-ZED-5" in m.message
    assert len(sim.records("VENDOR")) == 5


def test_owner_operator_carrier_and_driver_get_one_vendor(sim):
    parties = [Party("c", PartyKind.CARRIER, "Joe Miller Trucking"),
               Party("d", PartyKind.DRIVER, "joe miller  trucking")]
    out = matcher(sim, "create").resolve(parties)
    assert out["c"].sage_id == out["d"].sage_id == "V-JOEMILLERTRUCKI"
    assert "shares Sage Vendor V-JOEMILLERTRUCKI" in out["d"].note
    assert [r["NAME"] for r in sim.records("VENDOR")] == ["Joe Miller Trucking"]
    again = matcher(sim, "create").resolve(parties)          # the next run: both match the one vendor by name
    assert {m.how for m in again.values()} == {How.NAME} and len(sim.records("VENDOR")) == 1


def test_carrier_and_driver_with_one_external_id_share_the_vendor(sim):
    add(sim, "VENDOR", ("V-500", "Joe Miller"))
    out = matcher(sim).resolve([Party("c", PartyKind.CARRIER, "Joe Miller Trucking LLC", {"SUB-1": "V-500"}),
                                Party("d", PartyKind.DRIVER, "Joe Miller", {"SUB-1": "v-500 "})])
    assert out["c"].sage_id == out["d"].sage_id == "V-500"


def test_ids_are_looked_up_exactly_first_and_in_any_case_only_when_not_found(sim, wire_factory):
    add(sim, "VENDOR", ("V-1", "One"), ("V-2", "Two"))
    wire, http = wire_factory()
    m = Matcher(connect(sim, http=http).client, "SUB-1")
    out = m.resolve([Party("a", PartyKind.CARRIER, "One", {"SUB-1": "V-1"})])
    assert out["a"].sage_id == "V-1" and len(wire.bodies) == 2 and b"caseinsensitive" not in wire.bodies[1]
    out = m.resolve([Party("b", PartyKind.CARRIER, "Two", {"SUB-1": "v-2"})])
    assert out["b"].sage_id == "V-2" and len(wire.bodies) == 4 and b"caseinsensitive" in wire.bodies[3]
