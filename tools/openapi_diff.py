"""Compare two OpenAPI documents route by route: paths, methods, tags, summaries, security,
parameters, request bodies, response statuses and their schemas, and the component schemas.

    python tools/openapi_diff.py old.json new.json

Save a document with `curl -s http://127.0.0.1:8000/api/openapi.json > old.json` (or the test
client) before changing a route, and read every line this prints: each difference should be one
you meant.
"""

import json
import sys


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def name(schema):
    if isinstance(schema, dict) and "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return json.dumps(schema, sort_keys=True)


def parameters(op):
    return {(p["in"], p["name"]): (p.get("required", False), json.dumps(p.get("schema"), sort_keys=True))
            for p in op.get("parameters", [])}


def content(doc, part):
    return {media: name(c.get("schema")) for media, c in resolve(doc, part).get("content", {}).items()}


def compare(old, new):
    out = []
    for path in sorted(set(old["paths"]) | set(new["paths"])):
        a_ops, b_ops = old["paths"].get(path, {}), new["paths"].get(path, {})
        for method in sorted(set(a_ops) | set(b_ops)):
            label = "%s %s" % (method.upper(), path)
            if method not in a_ops or method not in b_ops:
                out.append("%s: only in the %s document" % (label, "new" if method in b_ops else "old"))
                continue
            a, b = a_ops[method], b_ops[method]
            for key in ("tags", "summary", "description", "security"):
                if a.get(key) != b.get(key):
                    out.append("%s %s: %r -> %r" % (label, key, a.get(key), b.get(key)))
            pa, pb = parameters(a), parameters(b)
            for key in sorted(set(pa) | set(pb)):
                if pa.get(key) != pb.get(key):
                    out.append("%s parameter %s: %s -> %s" % (label, key, pa.get(key), pb.get(key)))
            ra, rb = a.get("requestBody", {}), b.get("requestBody", {})
            if content(old, ra) != content(new, rb) or ra.get("required") != rb.get("required"):
                out.append("%s request body: %s (required %s) -> %s (required %s)" % (
                    label, content(old, ra), ra.get("required"), content(new, rb), rb.get("required")))
            sa, sb = set(a["responses"]), set(b["responses"])
            if sa != sb:
                out.append("%s responses: %s lost, %s added" % (label, sorted(sa - sb), sorted(sb - sa)))
            for status in sorted(sa & sb):
                ca, cb = content(old, a["responses"][status]), content(new, b["responses"][status])
                if ca != cb:
                    out.append("%s response %s: %s -> %s" % (label, status, ca, cb))
    sa, sb = old["components"]["schemas"], new["components"]["schemas"]
    for schema in sorted(set(sa) | set(sb)):
        if sa.get(schema) != sb.get(schema):
            out.append("schema %s: %s -> %s" % (schema, json.dumps(sa.get(schema), sort_keys=True),
                                                json.dumps(sb.get(schema), sort_keys=True)))
    if old["components"].get("securitySchemes") != new["components"].get("securitySchemes"):
        out.append("security schemes differ")
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f1, open(sys.argv[2], encoding="utf-8") as f2:
        lines = compare(json.load(f1), json.load(f2))
    print("\n".join(lines) or "no differences")
