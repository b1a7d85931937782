"""The registry of record kinds (kinds.json): what a record of each kind holds, and how it is shown.

A kind is one entry: its fields (name, type, options), defaults, validation rules, what the list
keeps of it, the roles that may create it, and whether it refers to another record (an
acknowledgement names its report in the field `report`). The PWA reads the same file through
`pwa/static/js/kinds.js`, which `python -m sync.kinds` writes from it; a test keeps them equal.
Pure: no I/O beyond reading the registry once.
"""

import json
import os
import re
import sys

_HERE = os.path.dirname(__file__)
with open(os.path.join(_HERE, "kinds.json"), encoding="utf-8") as _f:
    REGISTRY = json.load(_f)

KINDS = REGISTRY["kinds"]
ACK = REGISTRY["acknowledgement"]  # the kind that marks a record received
OPTIONS = REGISTRY["options"]
JS_MODULE = os.path.join(_HERE, os.pardir, "pwa", "static", "js", "kinds.js")


def kind_of(values):
    """The registry name of a record's kind (its `kind` value), or None for a kind not in it."""
    kind = (values or {}).get("kind")
    return kind if isinstance(kind, str) and kind in KINDS else None


def field_names(kind):
    """The fields of a kind, in the registry's order."""
    return [f["name"] for f in KINDS[kind]["fields"]]


def ordered(values):
    """A record's values with `kind` first, then the kind's fields in the registry's order, then
    any other field (a newer client's) by name: an export reads like the form."""
    kind = kind_of(values)
    names = ["kind"] + (field_names(kind) if kind else [])
    out = {n: values[n] for n in names if n in values}
    for name in sorted(values):
        out.setdefault(name, values[name])
    return out


def columns(records):
    """The columns of a table of records ({id: values}): `kind`, then each kind's fields in the
    registry's order (a field several kinds share once, where it first appears), then any other
    field by name."""
    present = {name for values in records.values() for name in values}
    order = ["kind"] + [f["name"] for spec in KINDS.values() for f in spec["fields"]]
    known = [name for i, name in enumerate(order) if name in present and name not in order[:i]]
    return known + sorted(present - set(known))


def refers_to(values):
    """The record a value set refers to (an acknowledgement's report), or None."""
    kind = kind_of(values)
    field = KINDS[kind].get("refers") if kind else None
    target = values.get(field) if field else None
    return target if isinstance(target, str) else None


def acknowledgements(records):
    """{report id: [acknowledgement values, ...]} from {record id: values}, oldest date first."""
    out = {}
    for rid, values in sorted(records.items()):
        if kind_of(values) == ACK and refers_to(values):
            out.setdefault(refers_to(values), []).append({"id": rid, **values})
    for acks in out.values():
        acks.sort(key=lambda a: (str(a.get("date") or ""), a["id"]))
    return out


def ack_values(report, today):
    """The values of an acknowledgement of `report` made on `today` (YYYY-MM-DD). It holds nothing
    else on purpose: it goes to the report's author even when that device is not certified
    (docs/design.md, 'Acknowledgements')."""
    return {"kind": ACK, KINDS[ACK]["refers"]: report, "date": today}


NAME_KIND = next((k for k, spec in KINDS.items() if spec.get("names_device")), None)
_HIDDEN = re.compile("[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
NAME_MAX = 60


def clean_name(text):
    """A device name as it may be shown: one line, no control, bidirectional or zero-width marks,
    spaces folded, at most NAME_MAX characters (the twin of device-names.js cleanName)."""
    if not isinstance(text, str):
        return ""
    return " ".join(_HIDDEN.sub(" ", text).split())[:NAME_MAX].strip()


def device_names(records):
    """{device: name} from {record id: {"values", "author", "t"}} (the decrypted values, the device
    that wrote the record's kind, its latest write time): each device's newest name record that is
    not deleted and has a name, the latest `t` first, then the larger record id (docs/protocol.md,
    "Record kinds": a device's name). The twin of device-names.js latestNames."""
    best = {}
    for rid, r in records.items():
        values = r.get("values") or {}
        name = clean_name(values.get(KINDS[NAME_KIND]["names_device"])) if NAME_KIND else ""
        author = r.get("author")
        if (kind_of(values) != NAME_KIND or values.get("_deleted") is True or not name
                or not isinstance(author, str)):
            continue
        key = (r.get("t") or 0, rid)
        if author not in best or key > best[author][0]:
            best[author] = (key, name)
    return {device: name for device, (_key, name) in best.items()}


def js_module():
    """The text of pwa/static/js/kinds.js: the registry as an ES module."""
    body = json.dumps(REGISTRY, indent=2, ensure_ascii=False)
    return ("// Generated from sync/kinds.json by `.venv/bin/python -m sync.kinds`: edit that file, "
            "not this.\n/* eslint-disable */\n"
            "export const REGISTRY = " + body + ";\n")


def main(argv=None):
    """Write pwa/static/js/kinds.js from the registry."""
    with open(JS_MODULE, "w", encoding="utf-8") as f:
        f.write(js_module())
    print("wrote %s" % os.path.relpath(JS_MODULE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
