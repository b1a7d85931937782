"""Who may do what on the server: authority follows certificates, not invites.

A device enrolled with a coordinator invite is a coordinator by role, but the server gives it
a coordinator's powers (invites, certificates, revocation, purge, reading and writing every
record) only once one of its certificates chains to the workspace root through active
coordinators. The chain is checked with the clients' own rule (sync/trust.py) over the server's
directory, with revoked devices left out so that a revoked coordinator anchors nothing, and kept
as `devices.chained`, recomputed under the workspace lock whenever a certificate or a revocation
changes, so that pushes and pulls read a flag instead of verifying signatures.

Certificates are only ever added: a certificate that chains is never replaced, and the root's
entry (its self-signed certificate) can never be changed: no certificate for it, no revocation.
"""

import json

from sqlalchemy import select, update

from sync.trust import verify_directory

from .extensions import db
from .models import Device, Workspace

MAX_CERTS = 32   # certificates kept per device: one per certifying coordinator is plenty


def certs_of(device):
    """The stored certificates of a device (dicts, oldest first)."""
    if device.certs:
        return [json.loads(text) for text in json.loads(device.certs)]
    return [json.loads(device.cert)] if device.cert else []


def is_root(device):
    """True for the workspace's first device, whose certificate it signed itself."""
    if not device.cert:
        return False
    cert = json.loads(device.cert)
    return cert.get("issuer") == device.id == cert.get("device")


def has_authority(device):
    """Whether the server gives this device a coordinator's powers."""
    return device.role == "coordinator" and bool(device.chained)


def chained_ids(devices, workspace_id, fingerprint):
    """The ids of the active devices whose certificates chain to the workspace root.

    `devices` are Device rows (or rows with the same columns); revoked ones are left out, so a
    revoked coordinator anchors no chain. Each stored certificate is tried.
    """
    entries = []
    for d in devices:
        if d.revoked:
            continue
        for cert in certs_of(d):
            entries.append({"id": d.id, "role": d.role, "sign_key": d.sign_key, "ecdh_key": d.ecdh_key,
                            "cert": cert})
    return set(verify_directory(entries, workspace_id, fingerprint))


def recompute(workspace_id, seq):
    """Recompute `chained` for every device of the workspace. Call under the workspace lock
    (`seq` is its Sequencer): a device that becomes chained gets `chained_seq` = the next seq."""
    fingerprint = db.session.execute(select(Workspace.fingerprint).where(Workspace.id == workspace_id)).scalar_one()
    devices = db.session.execute(select(Device).where(Device.workspace_id == workspace_id)).scalars().all()
    chained = chained_ids(devices, workspace_id, fingerprint)
    for d in devices:
        now = d.id in chained
        if now and not d.chained:
            d.chained, d.chained_seq = True, seq.next()
        elif not now and d.chained:
            d.chained = False
    db.session.flush()
