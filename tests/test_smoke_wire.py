"""First wire checks: a session, a bill, a read back, through httpx to the Flask app."""

from tests.wire import fn


def test_session_bill_and_read_back(gateway):
    auth = gateway.session()
    bill = ("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><RECORDID>B-1</RECORDID>"
            "<APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>10.25</TRX_AMOUNT></APBILLITEM>"
            "</APBILLITEMS></APBILL></create>")
    gateway.sim.admin.add_records(gateway.sim.company_id, {"VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}]})
    reply = gateway.call(fn(bill) + fn("<readByQuery><object>APBILL</object><query>RECORDID = 'B-1'</query>"
                                       "<fields>RECORDID,VENDORNAME,TOTALDUE</fields></readByQuery>", "f2"), auth=auth)
    assert [reply.status(0), reply.status(1)] == ["success", "success"]
    row = reply.result(1).find("data/apbill")
    assert (row.findtext("VENDORNAME"), row.findtext("TOTALDUE")) == ("Swift", "10.25")
