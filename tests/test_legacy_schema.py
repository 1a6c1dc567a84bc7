"""The legacy functions' element sequences (models/legacy_schema.py) and what each function's rules accept agree:
an element Sage's DTD allows is never refused afterwards as an unknown field."""

from __future__ import annotations

import pytest

from intacct_harness.simulator.models import corrections, legacy_schema, payment_changes, payments
from intacct_harness.simulator.models.objects import LEGACY_CREATES
from tests.wire import Gateway, fn


def _sequence(function: str) -> set[str]:
    return {s.rstrip("!") for s in legacy_schema._SEQUENCES[function]}


def _accepted() -> dict[str, set[str]]:
    out = {fn: set(shape.header) | set(shape.ignored) | {shape.items} for fn, shape in LEGACY_CREATES.items()}
    out.update({fn: set(header) | set(corrections._UPDATE_IGNORED) | {items}
                for fn, (header, items) in corrections._UPDATES.items()})
    out["create_arpayment"] = set(payments._ARPAYMENT)
    out["apply_arpayment"] = set(payment_changes._APPLY_ELEMENTS)
    return out


@pytest.mark.parametrize("function", sorted(_accepted()))
def test_every_element_the_dtd_allows_is_accepted(function):
    assert _sequence(function) <= _accepted()[function]


def test_an_element_the_dtd_allows_late_in_the_sequence_is_taken(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    gw = Gateway(intacct_company)
    reply = gw.call(fn("<create_bill><vendorid>V1</vendorid><datecreated><year>2026</year><month>11</month><day>2"
                       "</day></datecreated><billitems><lineitem><glaccountno>5000</glaccountno><amount>5</amount>"
                       "</lineitem></billitems><inclusivetax>false</inclusivetax></create_bill>")
                    + fn("<create_bill><vendorid>V1</vendorid><inclusivetax>false</inclusivetax></create_bill>", "f2"))
    assert (reply.control_status, reply.errornos()) == ("failure", ["XL03000003"])   # the second is out of order
    reply = gw.call(fn("<create_bill><vendorid>V1</vendorid><datecreated><year>2026</year><month>11</month><day>2"
                       "</day></datecreated><billitems><lineitem><glaccountno>5000</glaccountno><amount>5</amount>"
                       "</lineitem></billitems><inclusivetax>false</inclusivetax></create_bill>"))
    assert reply.status() == "success", reply.http.text
