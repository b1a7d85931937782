"""Which devices a client may trust: certificate chains that end at the workspace fingerprint.

The server hands out the device directory, but a hostile server could add a device of its own.
A device is trusted only if a chain of coordinator signatures leads from the workspace root,
whose signing-key fingerprint came with the invite link, to a certificate naming exactly the
keys the directory shows.
"""

from . import keys
from .envelopes import CERT, verify_object


def _cert_matches(cert, entry, workspace):
    return (isinstance(cert, dict) and cert.get("type") == CERT and cert.get("workspace") == workspace
            and cert.get("device") == entry.get("id") and cert.get("sign_key") == entry.get("sign_key")
            and cert.get("ecdh_key") == entry.get("ecdh_key") and cert.get("role") == entry.get("role"))


def verify_directory(devices, workspace, fingerprint):
    """Return {device id: role} for every device whose certificate chains to the fingerprint.

    `devices` are directory entries ({id, role, sign_key, ecdh_key, cert, status}). Revoked
    devices stay verified (their earlier writes are genuine); callers must not wrap keys to them.
    """
    by_issuer = {}
    root = None
    for entry in devices:
        cert = entry.get("cert")
        if not _cert_matches(cert, entry, workspace):
            continue
        if not isinstance(cert.get("issuer"), str):
            continue
        if cert["issuer"] == entry["id"]:
            if (root is None and entry["role"] == "coordinator"
                    and _safe_fingerprint(entry["sign_key"]) == fingerprint
                    and verify_object(entry["sign_key"], cert)):
                root = entry
        else:
            by_issuer.setdefault(cert["issuer"], []).append(entry)
    if root is None:
        return {}
    verified = {root["id"]: root["role"]}
    queue = [root]
    while queue:
        issuer = queue.pop()
        if issuer["role"] != "coordinator":
            continue
        for entry in by_issuer.get(issuer["id"], ()):
            if entry["id"] not in verified and verify_object(issuer["sign_key"], entry["cert"]):
                verified[entry["id"]] = entry["role"]
                queue.append(entry)
    return verified


def _safe_fingerprint(public_text):
    try:
        return keys.fingerprint(public_text)
    except ValueError:
        return None
