"""Push and pull: the sync protocol of design §4."""

import json

from flask import Blueprint, current_app, g
from marshmallow import ValidationError

from sync import keys
from sync.dense import HEADER, PROTOCOL
from sync.envelopes import ProtocolError, check_change, validated_header_bytes, verify_object
from sync.refusals import REGISTRY, statuses

from ..auth import authenticated
from ..authority import note_resync, resync_due
from ..compression import json_response
from ..declare import body, header, other_responses, query, response
from ..errors import APIError
from ..schemas import PullQuerySchema, PullSchema, PushResultSchema, PushSchema, load_change, load_wrap
from ..store import apply_push, page_json, pull_page

bp = Blueprint("sync", __name__, url_prefix="/api/sync")

# Reasons a pushed item is refused, in words a person can act on: the registry's per-item codes.
REFUSALS = {code: entry["message"] for code, entry in REGISTRY.items() if "item" in statuses(code)}


def _refused(code, details=None):
    out = {"status": "refused", "code": code, "message": REFUSALS[code]}
    if details is not None:
        out["details"] = details
    return out


def reads_dense(header):
    """Whether a client's Zapis-Protocol request header says it reads dense pull pages (3 or later)."""
    header = (header or "").strip()
    return header.isdigit() and len(header) <= 4 and int(header) >= int(PROTOCOL)


def _verified_wraps(raw_wraps, device, results):
    good = []
    for i, raw in enumerate(raw_wraps):
        try:
            wrap = load_wrap(raw)
        except ValidationError as exc:
            results[i] = _refused("invalid_item", exc.messages)
            continue
        if wrap["workspace"] != device.workspace_id:
            results[i] = _refused("wrong_workspace")
        elif wrap["sender"] != device.id:
            results[i] = _refused("foreign_device")
        elif not verify_object(device.sign_key, wrap):
            # Checked for every token: a push-only token may sit on a locked phone, and a wrap
            # the server keeps must be one its sender signed, so a junk one is refused at once
            # instead of sitting where a recipient would have to sort it out.
            results[i] = _refused("bad_signature")
        else:
            good.append((i, wrap))
    return good


def _verified_changes(raw_changes, device, results):
    good = []
    for i, raw in enumerate(raw_changes):
        try:
            change = load_change(raw)
            if change["workspace"] != device.workspace_id:
                raise ProtocolError("wrong_workspace", "")
            if change["device"] != device.id:
                raise ProtocolError("foreign_device", "")
            check_change(change)
            signed, hashes = validated_header_bytes(change)
            if not keys.verify(device.sign_key, change["sig"], signed):
                raise ProtocolError("bad_signature", "")
        except ValidationError as exc:
            results[i] = _refused("invalid_item", exc.messages)
            continue
        except ProtocolError as exc:
            results[i] = _refused(exc.code)
            continue
        good.append((i, change, hashes))
    return good


@bp.post("/push")
@authenticated(push_only_ok=True)
@body(PushSchema)
@response(PushResultSchema, description="One result per change and per wrap, in request order.")
def push(data):
    """Push changes and key wraps; get one result per write and per wrap, in request order.

    Wraps are applied before changes. A refused item never costs its neighbours. An item may
    leave the device's outbox when its result is accepted, duplicate or stale.
    """
    device = g.device
    wrap_results = [None] * len(data["wraps"])
    change_results = [None] * len(data["changes"])
    wraps = _verified_wraps(data["wraps"], device, wrap_results)
    changes = _verified_changes(data["changes"], device, change_results)
    if wraps or changes:
        wrap_outcomes, outcomes = apply_push(device, [w for _, w in wraps], [c for _, c, _ in changes],
                                             [h for _, _, h in changes])
        for (i, _), (status, code) in zip(wraps, wrap_outcomes):
            wrap_results[i] = {"status": status} if code is None else _refused(code)
        for (i, _, _), outcome in zip(changes, outcomes):
            if isinstance(outcome, tuple):
                change_results[i] = _refused(outcome[1])
            else:
                change_results[i] = {"status": "ok", "writes": [
                    {"status": s} if c is None else _refused(c) for s, c in outcome]}
    # Built by the code above, so serialised as it is; PushResultSchema documents it and the
    # tests load real results through it.
    return json_response(json.dumps({"changes": change_results, "wraps": wrap_results},
                                    separators=(",", ":")))


@bp.get("/pull")
@authenticated()
@header(HEADER, "The client reads dense pages: protocol version 3 or later.", pattern="^[0-9]{1,4}$",
        check=reads_dense, refusal=(400, "update_required"))
@query(PullQuerySchema)
@response(PullSchema)
@other_responses({410: ["cursor_expired", "newly_certified"]})
def pull(args):
    """Pull from a cursor: everything after it this device may see, one page at a time.

    Repeat with the returned cursor while `more` is true. A 410 means the cursor is older than
    the tombstone horizon, or unknown to this server (cursor_expired), or that this coordinator
    was certified since the cursor (newly_certified): pull again from 0, keeping the outbox. A
    coordinator that is not certified is served like a field device. The page is dense (protocol
    version 3, docs/protocol.md): a client says it reads it with the request header
    `Zapis-Protocol: 3` (or later); a pull without it is answered 400 update_required, which tells
    an old app to update itself.
    """
    cursor = args["cursor"]
    limit = min(args["limit"] or current_app.config["ZAPIS_PULL_LIMIT"], 10_000)
    device = g.device
    if cursor > device.workspace_seq or 0 < cursor < device.workspace_horizon:
        raise APIError(410, "cursor_expired")
    if resync_due(device, cursor):
        # Certified since this cursor: what it may now read lies behind it, so it starts over
        # from 0, as after a restore (server/authority.py).
        raise APIError(410, "newly_certified")
    # The page is built from stored, validated rows and serialised directly: dumping thousands
    # of nested items through marshmallow cost more than the rest of the pull. PullSchema is
    # its contract, documented in OpenAPI and checked against real pages by the tests.
    page = pull_page(device, cursor, limit, device.workspace_seq)
    note_resync(device, cursor, page["cursor"])
    return json_response(page_json(page))
