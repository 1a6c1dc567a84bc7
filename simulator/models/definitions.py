"""Object definitions as data: one YAML file per Sage object in ``simulator/definitions/``, loaded at import.

Why data: the next object is a file, not code, and ``inspect`` / ``lookup`` / the write and read rules all answer
from the same facts. Every file is validated completely when the simulator starts: an unknown key, a wrong type,
a reference to an object nobody defines or a fact without a public source fails with the file and key named.
Files whose name starts with ``_`` are shared (``_system.yaml``: the fields every object carries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).resolve().parent.parent / "definitions"
TYPES = ("text", "integer", "decimal", "currency", "date", "timestamp", "boolean", "enum", "object")
# How the write rules check a value of each type ("" : not checked).
CHECKS = {"integer": "number", "decimal": "number", "currency": "number", "date": "date", "enum": "enum"}
CHOICE = "simulator's choice"

_OBJECT_KEYS = {"object", "label", "module", "module_source", "source", "id_field", "name_field", "dimension",
                "legacy_only", "invalid_reference", "invalid_reference_source", "lines", "line_of", "fields",
                "indexes"}
_LINE_OF_KEYS = {"object", "container", "account_field", "amount_field"}
_FIELD_KEYS = {"type", "required", "readonly", "references", "key_part", "label", "description", "valid_values",
               "source", "contact_block"}
_SYSTEM_KEYS = {"source", "system_fields", "contact_source", "contact_parts"}


class DefinitionError(ValueError):
    """A definition file the simulator cannot use; the message names the file, the key and what it accepts."""


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    source: str                      # the field's own source, else its object's
    required: bool = False
    readonly: bool = False           # Sage computes it: reads answer it, writes refuse it
    references: str | None = None    # the object whose business key this field holds
    key_part: str | None = None      # an object field: the child element that holds that key (PERSONALINFO.CONTACTNAME)
    label: str = ""
    description: str = ""
    valid_values: tuple[str, ...] = ()
    contact_block: bool = False      # reads reach its contact parts with a dot (DISPLAYCONTACT.EMAIL1)

    @property
    def check(self) -> str:
        return CHECKS.get(self.type, "")


@dataclass(frozen=True)
class LineOf:
    object: str
    container: str
    account_field: str
    amount_field: str


@dataclass(frozen=True)
class Definition:
    name: str
    label: str
    module: str
    module_source: str
    source: str
    id_field: str
    name_field: str | None
    fields: dict[str, FieldDef]
    file: str
    dimension: bool = False
    legacy_only: str | None = None
    invalid_reference: str | None = None
    invalid_reference_source: str = ""
    lines: str | None = None         # the line object (APBILLITEM) of a transaction
    line_of: LineOf | None = None    # set on a line object
    indexes: tuple[str, ...] = ()    # fields filters use: the store keeps an index on each (store.FIELD_INDEXES)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    objects: dict[str, Definition]
    system_fields: dict[str, FieldDef]
    contact_parts: tuple[str, ...]


def _fail(file: str, key: str, message: str) -> DefinitionError:
    return DefinitionError(f"{file}: {key}: {message}")


def _keys(file: str, where: str, raw: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _fail(file, where, "expected a mapping")
    for key in raw:
        if key not in allowed:
            raise _fail(file, f"{where}.{key}" if where else str(key),
                        f"unknown key (allowed: {', '.join(sorted(allowed))})")
    return raw


def _text(file: str, key: str, value: Any, *, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(file, key, f"expected non-empty text, got {value!r}")
    return value


def _flag(file: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(file, key, f"expected true or false, got {value!r}")
    return value


def _field(file: str, name: str, raw: Any, default_source: str) -> FieldDef:
    where = f"fields.{name}"
    spec = _keys(file, where, raw, _FIELD_KEYS)
    ftype = spec.get("type")
    if ftype not in TYPES:
        raise _fail(file, f"{where}.type", f"expected one of {', '.join(TYPES)}, got {ftype!r}")
    values = spec.get("valid_values", [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise _fail(file, f"{where}.valid_values", "expected a list of texts")
    if (ftype == "enum") != bool(values):
        raise _fail(file, f"{where}.valid_values", "an enum field lists its valid_values, and only an enum does")
    required = _flag(file, f"{where}.required", spec.get("required", False))
    readonly = _flag(file, f"{where}.readonly", spec.get("readonly", False))
    if required and readonly:
        raise _fail(file, where, "a field cannot be both required and readonly")
    source = _text(file, f"{where}.source", spec.get("source"), optional=True) or default_source
    if not source:
        raise _fail(file, f"{where}.source", "every fact names its public source (or the simulator's choice)")
    refs = spec.get("references")
    key_part = spec.get("key_part")
    if key_part is not None and (refs is None or ftype != "object"):
        raise _fail(file, f"{where}.key_part", "only an object field that references another object has a key_part")
    return FieldDef(name=name, type=ftype, source=source, required=required, readonly=readonly,
                    references=_text(file, f"{where}.references", refs) if refs is not None else None,
                    key_part=_text(file, f"{where}.key_part", key_part) if key_part is not None else None,
                    label=_text(file, f"{where}.label", spec.get("label"), optional=True),
                    description=_text(file, f"{where}.description", spec.get("description"), optional=True),
                    valid_values=tuple(values),
                    contact_block=_flag(file, f"{where}.contact_block", spec.get("contact_block", False)))


def _fields(file: str, raw: Any, default_source: str, key: str = "fields") -> dict[str, FieldDef]:
    if not isinstance(raw, dict) or not raw:
        raise _fail(file, key, "expected a mapping of field name -> field definition")
    return {str(name): _field(file, str(name), spec, default_source) for name, spec in raw.items()}


def parse_object(file: str, raw: Any) -> Definition:
    spec = _keys(file, "", raw, _OBJECT_KEYS)
    for key in ("object", "label", "module", "source", "id_field", "fields"):
        if key not in spec:
            raise _fail(file, key, "required key is missing")
    name = _text(file, "object", spec["object"])
    if Path(file).stem != name:
        raise _fail(file, "object", f"the file of object {name} is {name}.yaml")
    module_source = _text(file, "module_source", spec.get("module_source", "documented"))
    if module_source != "documented" and not module_source.startswith(CHOICE):
        raise _fail(file, "module_source", f"'documented' or \"{CHOICE}\", got {module_source!r}")
    source = _text(file, "source", spec["source"])
    fields = _fields(file, spec["fields"], source)
    line_of = None
    if "line_of" in spec:
        lo = _keys(file, "line_of", spec["line_of"], _LINE_OF_KEYS)
        line_of = LineOf(**{k: _text(file, f"line_of.{k}", lo.get(k)) for k in sorted(_LINE_OF_KEYS)})
        for key in ("account_field", "amount_field"):
            if getattr(line_of, key) not in fields:
                raise _fail(file, f"line_of.{key}", f"{getattr(line_of, key)} is not one of the fields")
    if line_of is not None and "indexes" in spec:
        raise _fail(file, "indexes", "a line object is read from its documents: it has no indexes of its own")
    id_field = _text(file, "id_field", spec["id_field"])
    if id_field != "RECORDNO" and id_field not in fields:
        raise _fail(file, "id_field", f"{id_field} is not one of the fields (or RECORDNO)")
    name_field = spec.get("name_field")
    if name_field is not None and _text(file, "name_field", name_field).split(".")[0] not in fields:
        raise _fail(file, "name_field", f"{name_field} is not one of the fields")
    invalid = spec.get("invalid_reference")
    if invalid is not None and "{v}" not in _text(file, "invalid_reference", invalid):
        raise _fail(file, "invalid_reference", "the text shows the value as {v}")
    return Definition(
        name=name, label=_text(file, "label", spec["label"]), module=_text(file, "module", spec["module"]),
        module_source=module_source, source=source, id_field=id_field, name_field=name_field, fields=fields,
        file=file, dimension=_flag(file, "dimension", spec.get("dimension", False)),
        legacy_only=_text(file, "legacy_only", spec["legacy_only"]) if "legacy_only" in spec else None,
        invalid_reference=invalid,
        invalid_reference_source=_text(file, "invalid_reference_source", spec.get("invalid_reference_source"),
                                       optional=True) or source,
        lines=_text(file, "lines", spec["lines"]) if "lines" in spec else None, line_of=line_of,
        indexes=_indexes(file, spec["indexes"], fields) if "indexes" in spec else ())


_FIELD_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def _indexes(file: str, raw: Any, fields: dict[str, FieldDef]) -> tuple[str, ...]:
    """``indexes``: the object's own text-valued fields that clients filter on, each once."""
    if not isinstance(raw, list) or not raw:
        raise _fail(file, "indexes", "expected a list of field names")
    for name in raw:
        if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name) or name not in fields:
            raise _fail(file, "indexes", f"{name!r} is not one of the fields")
        if fields[name].type == "object":
            raise _fail(file, "indexes", f"{name} is a block (type object): only a field with a value is indexed")
    if len(set(raw)) != len(raw):
        raise _fail(file, "indexes", "a field is listed twice")
    return tuple(raw)


def _check_links(objects: dict[str, Definition]) -> None:
    """References, lines and line_of must name objects that are defined, and agree with each other."""
    for d in objects.values():
        for f in d.fields.values():
            if f.references is not None and f.references not in objects:
                raise _fail(d.file, f"fields.{f.name}.references", f"no definition names object {f.references}")
        if d.lines is not None:
            line = objects.get(d.lines)
            if line is None or line.line_of is None or line.line_of.object != d.name:
                raise _fail(d.file, "lines", f"{d.lines}.yaml must exist with line_of.object: {d.name}")
        if d.line_of is not None:
            parent = objects.get(d.line_of.object)
            if parent is None or parent.lines != d.name:
                raise _fail(d.file, "line_of.object", f"{d.line_of.object}.yaml must say lines: {d.name}")


# Every process that imports the simulator reads these files: libyaml's safe loader where PyYAML has it (about
# 10x faster than the pure-Python one; the same documents), the pure-Python one otherwise.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(folder: Path = FOLDER) -> Catalogue:
    """Every definition in ``folder``, validated; raises DefinitionError naming the file and key."""
    objects: dict[str, Definition] = {}
    system_raw: Any = None
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            raise DefinitionError(f"{path.name}: not valid YAML: {exc}") from None
        if path.name == "_system.yaml":
            system_raw = raw
        elif path.name.startswith("_"):
            raise _fail(path.name, "(file)", "the only shared file is _system.yaml")
        else:
            d = parse_object(path.name, raw)
            objects[d.name] = d
    if system_raw is None:
        raise DefinitionError(f"{folder}: _system.yaml is missing")
    spec = _keys("_system.yaml", "", system_raw, _SYSTEM_KEYS)
    source = _text("_system.yaml", "source", spec.get("source"))
    system = _fields("_system.yaml", spec.get("system_fields"), source, "system_fields")
    _text("_system.yaml", "contact_source", spec.get("contact_source"))
    parts = spec.get("contact_parts")
    if not isinstance(parts, list) or not all(isinstance(p, str) and p for p in parts):
        raise _fail("_system.yaml", "contact_parts", "expected a list of field names")
    _check_links(objects)
    return Catalogue(objects, system, tuple(parts))


CATALOGUE = load()
