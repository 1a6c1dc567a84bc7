"""readByQuery's database characters: ``STATUS = 'T'``, ``STATE = 'A'``, ``usertype = 'B'``.

developer.intacct.com/web-services/queries (readByQuery tips and examples): a validated list stored as single
characters is queried by its database character, as ``STATUS = 'F' AND ONETIME = 'T'`` (inactive, one-time
vendors), ``STATE='A'`` (bills set to posted) and ``usertype = 'B'`` (business users). Those four are the page's;
the other characters below are the simulator's choice (Sage's tables of them are not public). The terms the
records show (``'active'``, ``'Posted'``) keep matching too. Only ``=``, ``<>`` and ``IN`` compare characters.
"""

from __future__ import annotations

from dataclasses import replace

from intacct_harness.simulator.query import And, Comparison, InList, Not, Or, Predicate

BOOLEAN = {"T": "true", "F": "false"}
CHARACTERS: dict[str, dict[str, str]] = {
    "STATUS": {"T": "active", "F": "inactive"},
    # document states: A is the page's; D, P, T, V, R are the simulator's choice
    "STATE": {"A": "Posted", "D": "Draft", "P": "Paid", "T": "Partially Paid", "V": "Reversed", "R": "Reversal"},
    "USERTYPE": {"B": "business user", "E": "employee user", "P": "project manager user"},  # B: the page's
    "ONETIME": BOOLEAN, "ONHOLD": BOOLEAN,
}


def with_terms(pred: Predicate | None) -> Predicate | None:
    """``pred`` with each database character compared as the term the records hold."""
    if pred is None:
        return None
    if isinstance(pred, And | Or):
        return replace(pred, items=tuple(with_terms(p) for p in pred.items))
    if isinstance(pred, Not):
        return replace(pred, item=with_terms(pred.item))
    if isinstance(pred, Comparison | InList) and (pred.field.upper() not in CHARACTERS):
        return pred   # (an IN list of 4,000 IDs is not walked for characters it cannot have)
    if isinstance(pred, Comparison) and pred.op in ("=", "<>"):
        return replace(pred, value=_term(pred.field, pred.value))
    if isinstance(pred, InList):
        return replace(pred, values=tuple(_term(pred.field, v) for v in pred.values))
    return pred


def _term(field: str, value: str) -> str:
    return CHARACTERS.get(field.upper(), {}).get(value, value)
