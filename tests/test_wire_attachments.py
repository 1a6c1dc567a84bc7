"""Attachments on the wire: folders, attachments with base64 files, SUPDOCID on documents, the legacy reads."""

from __future__ import annotations

import base64

import pytest

from intacct_harness.simulator.models.attachments import MAX_FILE_BYTES
from tests.wire import Gateway, fn

POD = base64.b64encode(b"%PDF-1.4 proof of delivery, load 1001").decode()


@pytest.fixture
def gw(intacct_company):
    intacct_company.admin.add_records(intacct_company.company_id, {
        "VENDOR": [{"VENDORID": "V1", "NAME": "Swift"}], "CUSTOMER": [{"CUSTOMERID": "C1", "NAME": "Acme"}]})
    gw = Gateway(intacct_company)
    assert gw.call(fn("<create_supdocfolder><supdocfoldername>PODs</supdocfoldername>"
                      "<supdocfolderdescription>Proofs of delivery</supdocfolderdescription>"
                      "</create_supdocfolder>")).status() == "success"
    return gw


def supdoc(supdocid="POD-1001", folder="PODs", files=(("pod-1001", "pdf", POD),), function="create_supdoc"):
    attached = "".join(f"<attachment><attachmentname>{n}</attachmentname><attachmenttype>{t}</attachmenttype>"
                       f"<attachmentdata>{d}</attachmentdata></attachment>" for n, t, d in files)
    return (f"<{function}><supdocid>{supdocid}</supdocid><supdocname>Load 1001</supdocname>"
            f"<supdocfoldername>{folder}</supdocfoldername><supdocdescription>POD and BOL</supdocdescription>"
            f"<attachments>{attached}</attachments></{function}>")


def invoice(supdocid):
    return ("<create_invoice><customerid>C1</customerid><datecreated><year>2026</year><month>11</month><day>2</day>"
            f"</datecreated><supdocid>{supdocid}</supdocid><invoiceitems><lineitem><glaccountno>4000</glaccountno>"
            "<amount>80</amount></lineitem></invoiceitems></create_invoice>")


def first(reply):
    return reply.errors()[0]


def test_attachment_is_kept_and_read_back_with_get(gw):
    reply = gw.call(fn(supdoc()))
    assert (reply.status(), reply.result().findtext("key")) == ("success", "POD-1001")
    got = gw.call(fn('<get object="supdoc" key="POD-1001"/>')).result().find("data/supdoc")
    assert [c.tag for c in got] == ["supdocid", "folder", "description", "creationdate", "createdby", "attachments"]
    assert (got.findtext("folder"), got.findtext("description")) == ("PODs", "POD and BOL")
    files = got.findall("attachments/attachment")
    assert [(f.findtext("attachmentname"), f.findtext("attachmenttype")) for f in files] == [("pod-1001", "pdf")]
    assert base64.b64decode(files[0].findtext("attachmentdata")) == b"%PDF-1.4 proof of delivery, load 1001"


def test_update_supdoc_adds_files_and_get_list_filters(gw):
    gw.call(fn(supdoc()))
    bol = base64.b64encode(b"bill of lading").decode()
    assert gw.call(fn(supdoc(files=(("bol-1001", "png", bol),), function="update_supdoc"))).status() == "success"
    gw.call(fn(supdoc("POD-1002")))
    reply = gw.call(fn('<get_list object="supdoc"><filter><expression><field>supdocid</field><operator>=</operator>'
                       "<value>POD-1001</value></expression></filter></get_list>"))
    result = reply.result()
    assert [c.tag for c in result] == ["status", "function", "controlid", "listtype", "data"]
    listtype = result.find("listtype")
    assert (listtype.text, listtype.get("start"), listtype.get("end"), listtype.get("total")) == (
        "supdoc", "0", "0", "1")
    names = [f.findtext("attachmentname") for f in result.findall("data/supdoc/attachments/attachment")]
    assert names == ["pod-1001", "bol-1001"]
    everything = gw.call(fn('<get_list object="supdoc"/>')).result().find("listtype")
    assert everything.get("total") == "2"
    folders = gw.call(fn('<get_list object="supdocfolder"/>')).result().find("data/supdocfolder")
    assert (folders.findtext("name"), folders.findtext("description"), folders.findtext("status")) == (
        "PODs", "Proofs of delivery", "active")


def test_supdocid_on_invoice_bill_and_journal_entry_must_exist(gw):
    gw.call(fn(supdoc()))
    assert gw.call(fn(invoice("POD-1001"))).status() == "success"
    reply = gw.call(fn(invoice("POD-404")))
    assert first(reply)["description2"].startswith("Attachment 'POD-404' does not exist.")
    bill = ("<create><APBILL><VENDORID>V1</VENDORID><WHENCREATED>11/01/2026</WHENCREATED><SUPDOCID>{s}</SUPDOCID>"
            "<APBILLITEMS><APBILLITEM><ACCOUNTNO>5000</ACCOUNTNO><TRX_AMOUNT>1</TRX_AMOUNT></APBILLITEM>"
            "</APBILLITEMS></APBILL></create>")
    reply = gw.call(fn(bill.format(s="POD-404")))
    assert first(reply)["errorno"] == "BL01001973"
    created = gw.call(fn(bill.format(s="")))
    recordno = created.result().findtext("data/apbill/RECORDNO")
    update = "<update><APBILL><RECORDNO>{r}</RECORDNO><SUPDOCID>{s}</SUPDOCID></APBILL></update>"
    assert "Attachment 'NOPE' does not exist." in first(gw.call(fn(update.format(r=recordno, s="NOPE"))))[
        "description2"]
    assert gw.call(fn(update.format(r=recordno, s="POD-1001"))).status() == "success"
    journal = ("<create><GLBATCH><JOURNAL>GJ</JOURNAL><BATCH_DATE>11/01/2026</BATCH_DATE><BATCH_TITLE>t</BATCH_TITLE>"
               "<SUPDOCID>AT404</SUPDOCID><ENTRIES><GLENTRY><ACCOUNTNO>5000</ACCOUNTNO><TR_TYPE>1</TR_TYPE>"
               "<TRX_AMOUNT>1</TRX_AMOUNT></GLENTRY></ENTRIES></GLBATCH></create>")
    assert "Attachment 'AT404' does not exist." in first(gw.call(fn(journal)))["description2"]


@pytest.mark.parametrize(("body", "errorno", "text"), [
    (supdoc(folder="Nowhere"), "BL01001973", "Attachment folder 'Nowhere' does not exist."),
    (supdoc(folder=""), "BL03000018", "Required field supdocfoldername is missing on create_supdoc."),
    (supdoc(supdocid=""), "BL03000018", "Required field supdocid is missing on create_supdoc."),
    (supdoc(supdocid="X" * 101), "BL01001975", "for field supdocid: expected at most 100 characters."),
    (supdoc(files=(("pod", "pdf", "not base64!"),)), "BL01001975",
     "Invalid value 'notbase64!' for field attachmentdata: expected the file's bytes encoded as base64."),
    (supdoc(files=(("pod", "", POD),)), "BL03000018", "Required field attachmenttype is missing on attachment."),
    ("<create_supdocfolder><supdocfoldername>PODs</supdocfoldername></create_supdocfolder>", "BL34000061",
     "Another Attachment Folder with the given value(s) PODs  already exists"),
    ("<create_supdocfolder><supdocfoldername>Sub</supdocfoldername><supdocparentfoldername>Gone"
     "</supdocparentfoldername></create_supdocfolder>", "BL01001973", "Attachment folder 'Gone' does not exist."),
    ("<create_supdocfolder/>", "BL03000018", "Required field supdocfoldername is missing"),
    ("<create><SUPDOC><SUPDOCID>A</SUPDOCID></SUPDOC></create>", "BL01001973",
     "The create operation is not supported for object SUPDOC."),
    ('<get object="supdoc" key="NOPE"/>', "BL01001973", "No supdoc with key 'NOPE' exists."),
    ('<get_list object="customer"/>', "XL03000004", "get_list of object 'customer' is not modelled"),
    ('<get_list object="supdoc"><filter><expression><field>supdocid</field><operator>like</operator><value>P%'
     "</value></expression></filter></get_list>", "XL03000004", "get_list filter on 'supdocid' like"),
    ('<update_supdoc><supdocid>NOPE</supdocid></update_supdoc>', "BL01001973",
     "Cannot update non-existing attachment with supdocid=NOPE."),
    ('<delete_supdoc key="NOPE"/>', "BL01001973", "Cannot find attachment with key 'NOPE' to delete."),
])
def test_attachment_refusals(gw, body, errorno, text):
    reply = gw.call(fn(body))
    assert reply.status() == "failure"
    err = first(reply)
    assert err["errorno"] == errorno and text in err["description2"], err


def test_an_element_create_supdoc_does_not_take_fails_the_request(gw):
    reply = gw.call(fn(supdoc().replace("<supdocname>", "<bogus>1</bogus><supdocname>")))
    assert (reply.control_status, reply.errornos()) == ("failure", ["XL03000003"])
    assert "Element 'bogus': This element is not expected. Expected is one of ( supdocname, supdocfoldername, " \
        "supdocdescription, attachments )." in reply.errors()[0]["description2"]


def test_a_file_over_the_limit_is_refused_with_its_size(gw):
    big = base64.b64encode(b"\0" * (MAX_FILE_BYTES + 1)).decode()
    reply = gw.call(fn(supdoc(files=(("scan", "tif", big),))))
    err = first(reply)
    assert err["description2"] == (f"Invalid value '{MAX_FILE_BYTES + 1} bytes' for field attachmentdata: expected a "
                                   f"file of at most {MAX_FILE_BYTES} bytes (4 MB); split or compress the file.")
    assert gw.call(fn('<get_list object="supdoc"/>')).result().find("listtype").get("total") == "0"


def test_delete_supdoc_and_permissions(gw, intacct_company):
    gw.call(fn(supdoc()))
    assert gw.call(fn('<delete_supdoc key="POD-1001"/>')).status() == "success"
    intacct_company.set_permission("Company", "Read only")
    reply = gw.call(fn(supdoc("POD-2")))
    assert first(reply)["errorno"] == "PL04000005"
    assert gw.call(fn('<get_list object="supdocfolder"/>')).status() == "success"
