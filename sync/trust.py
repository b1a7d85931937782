"""Which devices a client may trust: certificate chains that end at the workspace fingerprint.

The server hands out the device directory, but a hostile server could add a device of its own,
or pair a genuine device's signing key with an ECDH key of its own. A device is trusted only if

- its key-binding statement (made by the device itself) verifies under its signing key and names
  exactly the keys, id and role the directory shows, and
- one of its certificates names the same keys and role and a chain of coordinator signatures
  leads from it to the workspace root, whose signing-key fingerprint came with the invite link.

Revocation orders signed by trusted coordinators remove devices. A revoked coordinator's
certificates anchor nothing (nor do those of a coordinator the server merely flags `revoked`:
devices removed before orders existed), so whatever it certified is no longer trusted through it. The root
cannot be revoked: it is the trust anchor every device was given in its invite link, and no
order could be checked without it; a workspace whose root is lost starts over.

Orders are applied level by level, nearest the root first: the orders of every still trusted,
unrevoked coordinator at the smallest depth are applied together, trust is computed again
without the anchors they removed, and so on. So a coordinator revoked by one nearer the root
(or by one at its own depth) has had its own orders weighed only if it stood at least as near
the root, and nothing it certified can revoke anyone. Orders a client once found valid are
kept by it (`kept`) and count from the start, whatever the server shows later.
"""

from . import keys
from .envelopes import CERT, REVOKE, binding_matches, verify_object


def _cert_matches(cert, entry, workspace):
    return (isinstance(cert, dict) and cert.get("type") == CERT and cert.get("workspace") == workspace
            and cert.get("device") == entry.get("id") and cert.get("sign_key") == entry.get("sign_key")
            and cert.get("ecdh_key") == entry.get("ecdh_key") and cert.get("role") == entry.get("role")
            and isinstance(cert.get("issuer"), str))


def entry_certs(entry):
    """Every certificate of a directory entry: `certs` (oldest first), else [`cert`]."""
    certs = entry.get("certs")
    if isinstance(certs, list) and certs:
        return certs
    return [entry["cert"]] if entry.get("cert") is not None else []


def _order_ok(order, workspace):
    return (isinstance(order, dict) and order.get("type") == REVOKE and order.get("workspace") == workspace
            and isinstance(order.get("device"), str) and isinstance(order.get("issuer"), str)
            and isinstance(order.get("sig"), str))


def evaluate(devices, workspace, fingerprint, kept=(), require_binding=True):
    """Trust in a directory: {"trusted": {id: role}, "revoked": [id], "orders": [valid orders]}.

    `devices` are directory entries ({id, role, sign_key, ecdh_key, cert, certs, binding,
    revocations, status}); `kept` are revocation orders this client found valid before. Revoked
    devices that still chain stay in `trusted` (their earlier writes are genuine); callers must
    never wrap keys to a device in `revoked`.
    """
    entries = {}
    for entry in devices:
        if (isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] not in entries
                and (not require_binding or binding_matches(entry.get("binding"), entry, workspace))):
            entries[entry["id"]] = entry
    root = None
    issued = {}   # issuer id -> [(device id, cert)]
    for entry in entries.values():
        for cert in entry_certs(entry):
            if not _cert_matches(cert, entry, workspace):
                continue
            if cert["issuer"] == entry["id"]:
                if (root is None and entry["role"] == "coordinator"
                        and _safe_fingerprint(entry["sign_key"]) == fingerprint
                        and verify_object(entry["sign_key"], cert)):
                    root = entry["id"]
            else:
                issued.setdefault(cert["issuer"], []).append((entry["id"], cert))
    if root is None:
        return {"trusted": {}, "revoked": [], "orders": []}
    checked = {}

    def signed(issuer, obj):
        key = (issuer, id(obj))   # the objects live as long as this call
        if key not in checked:
            checked[key] = verify_object(entries[issuer]["sign_key"], obj)
        return checked[key]

    # The server's flag alone (devices revoked before orders existed) also stops a coordinator
    # from anchoring anything: wrongly set, it costs availability, never confidentiality. Never
    # the root's.
    flagged = {d for d, e in entries.items() if e.get("status") == "revoked" and d != root}

    def chains(revoked):
        depth = {root: 0}
        frontier = [root]
        while frontier:
            following = []
            for issuer in frontier:
                if entries[issuer]["role"] != "coordinator" or issuer in revoked or issuer in flagged:
                    continue
                for device, cert in issued.get(issuer, ()):
                    if device not in depth and signed(issuer, cert):
                        depth[device] = depth[issuer] + 1
                        following.append(device)
            frontier = following
        return depth

    orders = {}
    shown = [o for e in entries.values() if isinstance(e.get("revocations"), list) for o in e["revocations"]]
    for order in list(kept) + shown:
        if _order_ok(order, workspace):
            orders.setdefault(order["issuer"], []).append(order)
    valid = [o for o in kept if _order_ok(o, workspace) and o["device"] != root]
    revoked = {o["device"] for o in valid}
    applied = set()
    while True:
        depth = chains(revoked)
        candidates = [d for d in depth if entries[d]["role"] == "coordinator" and d not in revoked
                      and d not in flagged and d not in applied]
        if not candidates:
            break
        level = min(depth[d] for d in candidates)
        for issuer in [d for d in candidates if depth[d] == level]:
            applied.add(issuer)
            for order in orders.get(issuer, ()):
                if order["device"] != root and signed(issuer, order):
                    valid.append(order)
                    revoked.add(order["device"])
    unique = {}
    for order in valid:
        unique.setdefault(order["sig"], order)
    return {"trusted": {d: entries[d]["role"] for d in depth}, "revoked": sorted(revoked),
            "orders": [unique[s] for s in sorted(unique)]}


def verify_directory(devices, workspace, fingerprint, kept=(), require_binding=True):
    """Return {device id: role} for every device whose certificate chains to the fingerprint.

    `require_binding=False` is for data from before key-binding statements existed (a migration
    that has no bindings to check); every client and the server's own authority require them."""
    return evaluate(devices, workspace, fingerprint, kept, require_binding)["trusted"]


def self_check(entry, workspace, device, role, sign_key, ecdh_key):
    """What is wrong with this device's own directory entry, as a list of codes (empty: nothing).

    The entry, its binding (if any) and every certificate must carry this device's own keys and
    role: a server that pairs the device's id with another key, or shows another role, is caught
    by the device itself.
    """
    problems = []
    if entry is None:
        return problems
    if entry.get("sign_key") != sign_key or entry.get("ecdh_key") != ecdh_key:
        problems.append("keys")
    if entry.get("role") != role:
        problems.append("role")
    binding = entry.get("binding")
    if binding is not None and not binding_matches(binding, {"id": device, "role": role, "sign_key": sign_key,
                                                             "ecdh_key": ecdh_key}, workspace):
        problems.append("binding")
    for cert in entry_certs(entry):
        if not _cert_matches(cert, {"id": device, "role": role, "sign_key": sign_key, "ecdh_key": ecdh_key},
                             workspace):
            problems.append("certificate")
            break
    return problems


def _safe_fingerprint(public_text):
    try:
        return keys.fingerprint(public_text)
    except ValueError:
        return None
