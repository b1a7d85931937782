"""The one door to storage. The storage contract: what the server keeps, what becomes a
tombstone, which seq is bumped.

Every mutation of a workspace runs inside `with sequenced(workspace) as seq:`, which takes the
workspace's counter row first (an UPDATE, so it is a row lock on PostgreSQL and the write lock on
SQLite) and writes the new counter just before it commits. Sequence numbers are therefore
allocated and committed in one order, per workspace: a reader that sees counter N sees every row
numbered up to N. The same lock is the merge lock: two pushes never read and rewrite a record's
live sets at the same time.

What is kept, per record:
- `records.state`: the live set of every field as merge metadata only (dot, context, the hash of
  the ciphertext, and where the value lies: change and position). The push merges against it.
- `changes`: one row a save that still holds a live value, numbered by a seq when accepted. Its
  `writes` are the text a pull delivers, in the dense form of a pull page: live writes in full
  (nonce and ciphertext), the others as their signed hash. When a later write covers a value,
  that write's text becomes its hash form; when none of a change's writes is live any more, the
  row is deleted.
- a key wrap: numbered when accepted; one per (record, recipient, sender), taken only from the
  record's creator or a coordinator; a sender's later wrap replaces its own earlier one, unless
  it is of a lower key epoch (then it is a `duplicate`: the newer key list stays);
- a device: numbered on enrollment, certification and revocation;
- a tombstone: numbered when a record is purged (its changes, state and wraps are deleted).
Pulls never return a row above the counter they read at their start.

Every view and command reads and writes through this package. Modules: `sequencer` (the lock
and counter), `push`, `pull`, `text` (the hand-written JSON the server stores and serves),
`directory` (enrollment, certificates, revocations, bindings), `records` (purge, tombstones),
`workspaces` (workspaces, invites), `bulk` (chunked and bulk statements), `erase` (erased bytes
leaving the files), `attachments` (attachment chunks: upload, list, download, delete, purge).
"""

from . import attachments
from .bulk import CHUNK, insert_tuples
from .directory import (
    add_root,
    bind,
    certify,
    devices_of,
    enroll,
    get_device,
    get_workspace,
    invite_by_code,
    revoke,
    workspace_by_setup_token,
)
from .erase import erase_freed
from .pull import CHANGE_COLUMNS, WRAP_COLUMNS, device_entry, pull_page
from .push import PushBatch, active_devices, apply_push
from .records import prune_tombstones, purge, records_wrapped_to, wraps_of
from .sequencer import Sequencer, sequenced
from .text import (
    _state_dump,
    _state_load,
    change_text,
    hash_text,
    logical_writes,
    page_json,
    split_writes,
    wrap_text,
    write_text,
)
from .workspaces import (
    create_invite,
    invites_of,
    new_workspace,
    renew_setup_token,
    withdraw_invite,
    workspace_count,
    workspaces,
)

__all__ = ["active_devices", "attachments", "add_root", "apply_push", "bind", "certify", "CHANGE_COLUMNS",
           "change_text", "CHUNK", "create_invite", "device_entry", "devices_of", "enroll",
           "erase_freed", "get_device", "get_workspace", "hash_text", "insert_tuples", "invite_by_code",
           "invites_of", "logical_writes", "new_workspace", "page_json", "prune_tombstones", "pull_page",
           "purge", "PushBatch", "records_wrapped_to", "renew_setup_token", "revoke", "sequenced",
           "Sequencer", "split_writes", "_state_dump", "_state_load", "withdraw_invite",
           "workspace_by_setup_token", "workspace_count", "workspaces", "WRAP_COLUMNS", "wrap_text",
           "wraps_of", "write_text"]
