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
    # The clients' rule, bindings included: a device whose own key-binding statement is missing
    # or does not match is trusted by no client, so it gets no powers here either (it posts its
    # statement once, which recomputes the flags).
    entries = [{"id": d.id, "role": d.role, "sign_key": d.sign_key, "ecdh_key": d.ecdh_key,
                "certs": certs_of(d), "binding": json.loads(d.binding) if d.binding else None}
               for d in devices if not d.revoked]
    return set(verify_directory(entries, workspace_id, fingerprint))


def recompute(workspace_id, seq):
    """Recompute `chained` for every device of the workspace. Call under the workspace lock
    (`seq` is its Sequencer): a device that becomes chained gets `chained_seq` = the next seq."""
    fingerprint = db.session.execute(
        select(Workspace.fingerprint).where(Workspace.id == workspace_id)).scalar_one()
    devices = db.session.execute(select(Device).where(Device.workspace_id == workspace_id)).scalars().all()
    chained = chained_ids(devices, workspace_id, fingerprint)
    for d in devices:
        now = d.id in chained
        if now and not d.chained:
            d.chained, d.chained_seq = True, seq.next()
        elif not now and d.chained:
            d.chained = False
    db.session.flush()


# -- the fresh pull of a newly certified coordinator ----------------------------------------------
# Uncertified, a coordinator was served like a field device; certified, it may read every record,
# most of whose changes lie behind its cursor. Its next pull from a cursor below the seq at which
# it became chained is answered 410 `newly_certified`, and it pulls again from 0 (what every
# client already does after a 410). The pages of that fresh pull start below that seq too, so the
# server remembers the cursor of the last page it served from the fresh pull (`resync_cursor`):
# a pull from 0 or from that cursor continues; once a page reaches the seq, nothing is pending.

def resync_pending(device):
    return device.role == "coordinator" and bool(device.chained) and device.chained_seq is not None


def resync_due(device, cursor):
    """True when this pull must start over from 0 (410 newly_certified)."""
    return (resync_pending(device) and 0 < cursor < device.chained_seq
            and cursor != device.resync_cursor)


def note_resync(device, cursor, page_cursor):
    """After serving a page from `cursor` up to `page_cursor`: advance or finish the fresh pull."""
    if not resync_pending(device):
        return
    if not (cursor == 0 or cursor == device.resync_cursor or cursor >= device.chained_seq):
        return
    done = page_cursor >= device.chained_seq
    db.session.execute(update(Device).where(Device.id == device.id, Device.chained_seq == device.chained_seq)
                       .values(chained_seq=None if done else device.chained_seq,
                               resync_cursor=None if done else page_cursor))
    db.session.commit()
