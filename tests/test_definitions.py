"""Object definitions as data (simulator/definitions/*.yaml): loaded and validated completely at import, and
what inspect (detail 0 and 1) and lookup answer over the wire and through the fylein SDK."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intacct_harness.simulator.models.definitions import CATALOGUE, FOLDER, DefinitionError, load
from intacct_harness.simulator.models.objects import OBJECTS
from intacct_harness.simulator.testing import standard_company
from tests.test_sdk_compat import connect, live, sdk  # noqa: F401  (fixtures)
from tests.wire import Gateway, fn


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(FOLDER, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_object_is_one_file_and_every_fact_names_a_source():
    assert {p.stem for p in FOLDER.glob("[!_]*.yaml")} == set(CATALOGUE.objects)
    for d in CATALOGUE.objects.values():
        assert d.source and d.module
        for f in d.fields.values():
            assert f.source, f"{d.file}: {f.name} has no source"
    assert OBJECTS["APBILL"].lines is not None and OBJECTS["APBILL"].lines.item == "APBILLITEM"
    assert OBJECTS["GLBATCH"].lines.renamed == {"LOCATIONID": "LOCATION", "DEPARTMENTID": "DEPARTMENT"}


def test_the_package_ships_the_definitions():
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"definitions/*.yaml"' in text


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("VENDOR.yaml", "id_field: VENDORID", "id_field: VENDORID\nkeyfield: X", "VENDOR.yaml: keyfield: unknown key"),
    ("VENDOR.yaml", "NAME: {type: text, required: true", "NAME: {type: text, mandatory: true, required: true",
     "VENDOR.yaml: fields.NAME.mandatory: unknown key"),
    ("APBILL.yaml", "VENDORID: {type: text, required: true, references: VENDOR",
     "VENDORID: {type: text, required: true, references: SUPPLIER", "no definition names object SUPPLIER"),
    ("CUSTOMER.yaml", "STATUS: {type: enum", "STATUS: {type: picklist", "fields.STATUS.type: expected one of"),
    ("CUSTOMER.yaml", "object: CUSTOMER", "object: CLIENT", "the file of object CLIENT is CLIENT.yaml"),
    ("APBILLITEM.yaml", "object: APBILL\n", "object: ARINVOICE\n",
     "APBILL.yaml: lines: APBILLITEM.yaml must exist with line_of.object: APBILL"),
])
def test_a_bad_definition_fails_naming_the_file_and_key(folder, file, old, new, message):
    _edit(folder / file, old, new)
    with pytest.raises(DefinitionError) as info:
        load(folder)
    assert message in str(info.value)


def test_a_field_without_any_source_is_refused(folder):
    _edit(folder / "FIXEDASSET.yaml", "\nsource: ", "\n# source: ")
    with pytest.raises(DefinitionError, match="FIXEDASSET.yaml: source: required key is missing"):
        load(folder)


# ------------------------------------------------------------------------------------------ on the wire
@pytest.fixture
def gw(intacct_sim_factory):
    return Gateway(intacct_sim_factory(standard_company(user_dimensions=["TRAILER"],
                                                        custom_fields={"VENDOR": ["SCAC"]})))


def _fields(result):
    return {f.findtext("ID"): f for f in result.iter("Field")}


def test_inspect_detail_1_describes_each_field_from_the_definition(gw):
    reply = gw.call(fn('<inspect detail="1"><object>VENDOR</object></inspect>'))
    assert reply.status() == "success"
    fields = _fields(reply.result())
    name = fields["NAME"]
    assert (name.findtext("REQUIRED"), name.findtext("READONLY"), name.findtext("DATATYPE")) == \
        ("true", "false", "TEXT")
    status = fields["STATUS"]
    assert status.findtext("DATATYPE") == "ENUM"
    assert [v.text for v in status.iter("VALIDVALUE")] == ["active", "inactive"]
    assert fields["RECORDNO"].findtext("READONLY") == "true"
    assert fields["SCAC"].findtext("ISCUSTOM") == "true"      # the company's custom field
    assert fields["PARENTNAME"].findtext("READONLY") == "true"  # computed by Sage: read, never written
    plain = gw.call(fn('<inspect detail="0"><object>VENDOR</object></inspect>')).result()
    assert {f.text for f in plain.iter("Field")} == set(fields)


def test_inspect_by_printable_name_and_unknown_objects(gw):
    reply = gw.call(fn('<inspect detail="1"><name>Bill</name></inspect>') + fn(
        "<lookup><object>NOSUCH</object></lookup>", "f2") + fn("<lookup></lookup>", "f3"))
    assert reply.result(0).find("data/Type").get("Name") == "APBILL"
    assert reply.errors(reply.result(1))[0]["description2"] == "Object definition NOSUCH not found"
    assert reply.errornos(reply.result(2)) == ["XL03000004"]
    udd = _fields(gw.call(fn('<inspect detail="1"><object>TRAILER</object></inspect>')).result())
    assert (udd["ID"].findtext("REQUIRED"), udd["STATUS"].findtext("DATATYPE")) == ("true", "ENUM")


def test_lookup_lists_fields_and_relationships(gw):
    reply = gw.call(fn("<lookup><object>APBILL</object></lookup>") + fn(
        "<lookup><object>CUSTOMER</object></lookup>", "f2"))
    bill = reply.result(0)
    assert _fields(bill)["WHENCREATED"].findtext("DATATYPE") == "DATE"
    rels = {r.findtext("OBJECTPATH"): (r.findtext("OBJECTNAME"), r.findtext("RELATIONSHIPTYPE"),
                                       r.findtext("RELATEDBY")) for r in bill.iter("Relationship")}
    assert rels["VENDOR"] == ("VENDOR", "MANY2ONE", "VENDORID")
    customer = {r.findtext("OBJECTPATH"): r.findtext("RELATEDBY") for r in reply.result(1).iter("Relationship")}
    assert customer["DISPLAYCONTACT"] == "DISPLAYCONTACT.CONTACTNAME"


def test_inspect_and_lookup_through_the_sdk(sdk):  # noqa: F811
    inspected = sdk.api_base.format_and_send_request({"inspect": {"@detail": "1", "object": "APBILL"}})
    fields = {f["ID"]: f for f in inspected["data"]["Type"]["Fields"]["Field"]}
    assert fields["VENDORID"]["REQUIRED"] == "true"
    looked_up = sdk.api_base.format_and_send_request({"lookup": {"object": "APBILL"}})
    rels = looked_up["data"]["Type"]["Relationships"]["Relationship"]
    assert {"OBJECTPATH": "VENDOR", "OBJECTNAME": "VENDOR", "LABEL": "Vendor", "RELATIONSHIPTYPE": "MANY2ONE",
            "RELATEDBY": "VENDORID"} in rels
