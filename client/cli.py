"""The reference client's command line (`zapis-client`, or `python -m client`): a device that
joins a workspace, keeps its keys in a passphrase-protected state file, saves records offline,
syncs and exports. Every error ends it with one line on stderr ("zapis: ...") and a non-zero
exit status; `--debug` (or ZAPIS_DEBUG=1) shows the traceback of an unexpected one.
"""

import argparse
import csv
import getpass
import json
import mimetypes
import os
import sys

from sync import kinds
from sync.envelopes import ProtocolError

from . import attachments
from .core import Client, parse_link
from .state import StateFileError
from .transport import APIError, HTTPTransport, TransportError

DESCRIPTION = """\
The Zapis reference client: a device that joins a workspace, keeps its keys in a
passphrase-protected state file, saves records offline, syncs and exports. An error ends it
with one line on stderr ("zapis: ...") and a non-zero exit status."""

EXAMPLES = """\
examples (the link comes from the server's `create-workspace` command or a coordinator's invite):
  export ZAPIS_PASSPHRASE='a long passphrase only you know'
  %(prog)s --state me.json setup 'https://zapis.example.org/setup#t=...&w=...'
  %(prog)s --state me.json enroll 'https://zapis.example.org/join#c=...&w=...&f=...&r=volunteer'
  %(prog)s --state me.json safety
  %(prog)s --state me.json save '{"kind": "need", "category": "legal", "description": "A lawyer"}'
  %(prog)s --state me.json save '{"status": "triaged"}' --record RECORD
  %(prog)s --state me.json sync
  %(prog)s --state me.json export --format csv > records.csv
  %(prog)s --state me.json invite volunteer --uses 3
  %(prog)s --state me.json certify DEVICE --safety '12345 67890 ...'
  %(prog)s --state me.json ack RECORD
  %(prog)s --state me.json attach RECORD letter.pdf
  %(prog)s --state me.json attachments RECORD
  %(prog)s --state me.json fetch-attachment RECORD ATTACHMENT --out letter.pdf
  %(prog)s --state me.json revoke DEVICE

environment:
  ZAPIS_PASSPHRASE   the state file's passphrase (otherwise asked for; twice on setup and enroll)
  ZAPIS_STATE        the state file, when --state is not given
  SSL_CERT_FILE      a CA file to trust for HTTPS (after --ca; then REQUESTS_CA_BUNDLE, then the
                     system's store)
  ZAPIS_DEBUG=1      show the traceback of an unexpected error (as --debug)

exit status: 0 done; 1 an error, said in one line on stderr; 2 a wrong command line; 3 ALARM:
the server shows this device with other keys or another role (no record key leaves it).
"""


class UsageError(Exception):
    """A mistake on the command line that argparse cannot see (one line for a person)."""


def _passphrase(confirm=False):
    phrase = os.environ.get("ZAPIS_PASSPHRASE")
    if phrase:
        return phrase
    try:
        phrase = getpass.getpass("Passphrase: ")
        if confirm and getpass.getpass("Again: ") != phrase:
            raise UsageError("the passphrases differ")
    except EOFError:
        raise UsageError("no passphrase: set ZAPIS_PASSPHRASE or run in a terminal") from None
    if not phrase:
        raise UsageError("the passphrase is empty")
    return phrase


def _say_wait(seconds):
    print("The server asks to wait %d s (too many attempts); waiting." % seconds, file=sys.stderr)


def parser(prog=None):
    """The argument parser (`--state`, `--ca` and `--debug` go before or after the command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state", default=argparse.SUPPRESS, metavar="FILE",
                        help="the device's state file (default: ZAPIS_STATE)")
    common.add_argument("--ca", default=argparse.SUPPRESS, metavar="FILE",
                        help="a CA certificate file to trust for HTTPS (default: SSL_CERT_FILE, "
                        "REQUESTS_CA_BUNDLE, then the system's store)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an unexpected error (also ZAPIS_DEBUG=1)")
    top = argparse.ArgumentParser(prog=prog or _prog(), parents=[common], epilog=EXAMPLES, allow_abbrev=False,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  description=DESCRIPTION)
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help):
        return sub.add_parser(name, help=help, description=help, parents=[common], allow_abbrev=False)

    command("setup", "become the first coordinator of a new workspace with its setup link").add_argument(
        "link", help="https://host/setup#t=...&w=...")
    command("enroll", "join a workspace with an invite link").add_argument(
        "link", help="https://host/join#c=...&w=...&f=...&r=...")
    command("sync", "push what waits in the outbox and pull what is new; print the result as JSON")
    p = command("save", "save field values given as JSON; print the record's id")
    p.add_argument("values", help='e.g. \'{"kind": "need", "category": "legal"}\'')
    p.add_argument("--record", help="edit this record instead of creating one")
    command("ack", "mark a record received; its author sees it (coordinators)").add_argument("record")
    p = command("export", "print every readable record (device names only when asked: --kinds)")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--kinds", type=_kinds, default=None, metavar="KIND,KIND",
                   help="only records of these kinds (%s); by default every kind but %s, whose "
                        "records name the workspace's devices and people"
                        % (", ".join(kinds.KINDS), kinds.NAME_KIND))
    p = command("invite", "create an invite link (coordinators)")
    p.add_argument("role", choices=("volunteer", "reporter", "coordinator"))
    p.add_argument("--uses", type=int, default=1, help="how many devices may join with it (default 1)")
    p = command("certify", "certify a device (coordinators)")
    p.add_argument("device")
    p.add_argument("--safety", help="the safety number the device shows (checked before certifying)")
    command("revoke", "remove a device, and give the records it could read a new key "
            "(coordinators)").add_argument("device")
    command("rotate", "give the records a revoked device could read a new key, or finish doing so "
            "(coordinators)").add_argument("device")
    command("safety", "print this device's safety number")
    p = command("attach", "attach a file to a record (sent as it is: strip photos first); print its id")
    p.add_argument("record")
    p.add_argument("file")
    p.add_argument("--type", help="its media type (default: guessed from the name)")
    command("attachments", "list a record's attachments: id, name, type, size").add_argument("record")
    p = command("fetch-attachment", "download and decrypt one attachment into a file")
    p.add_argument("record")
    p.add_argument("attachment")
    p.add_argument("--out", required=True,
                   help="where to write the decrypted file (it leaves the encryption)")
    return top


def _prog():
    name = os.path.basename(sys.argv[0] or "")
    return name if name.startswith("zapis-client") else "python -m client"


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    top = parser()
    args = _unescape(top.parse_args(_escape(sys.argv[1:] if argv is None else list(argv), top)))
    debug = getattr(args, "debug", False) or os.environ.get("ZAPIS_DEBUG") == "1"
    try:
        return run(args)
    except KeyboardInterrupt:
        print("zapis: interrupted; what was saved is kept", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        print("zapis: %s" % describe(exc), file=sys.stderr)
        return 1


# Ids are base64url and may begin with "-", which argparse would take for an option: such a word
# that is not one of ours is passed through with a mark, removed once parsed.
MARK = "\0"


def _options(p):
    found = set()
    for action in p._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
    return found


def _escape(argv, p):
    known = _options(p)
    return [MARK + word if word.startswith("-") and word != "--" and word.split("=")[0] not in known else word
            for word in argv]


def _unescape(args):
    for name, value in vars(args).items():
        if isinstance(value, str) and value.startswith(MARK):
            setattr(args, name, value[len(MARK):])
    return args


def describe(exc):
    """One line for a person from an error."""
    if isinstance(exc, APIError):
        return exc.line()
    if isinstance(exc, ProtocolError):
        return exc.message if exc.code == "wrong_passphrase" else "%s (%s)" % (exc.message, exc.code)
    if isinstance(exc, TransportError | StateFileError | UsageError):
        return _one_line(str(exc))
    if isinstance(exc, OSError) and exc.filename:
        return "%s: %s" % (exc.filename, exc.strerror or exc)
    return _one_line("unexpected error (%s: %s); run again with --debug to see where"
                     % (type(exc).__name__, exc))


def _one_line(text):
    return " ".join(str(text).split())


def run(args):
    path = getattr(args, "state", None) or os.environ.get("ZAPIS_STATE")
    if not path:
        raise UsageError("give the state file with --state FILE (or ZAPIS_STATE)")
    ca = getattr(args, "ca", None)
    if args.command in ("setup", "enroll"):
        return join(args, path, ca)
    phrase = _passphrase()
    client = Client.load_state(path, phrase, ca=ca, on_wait=_say_wait)
    client.checkpoint = lambda: client.save_state(path, phrase)
    status = COMMANDS[args.command](client, args)
    client.save_state(path, phrase)
    if client.replica.alarm:
        print("ALARM: the server shows this device with other keys or another role (%s). No record "
              "key is shared with anyone until this is resolved. Tell your coordinator."
              % ", ".join(client.replica.alarm), file=sys.stderr)
        return 3
    return status or 0


def join(args, path, ca):
    """setup and enroll: a new device, its state file written only once the server took it."""
    if os.path.exists(path):
        raise UsageError("%s exists: this device has already joined" % path)
    params = parse_link(args.link)
    need = ("t", "w") if args.command == "setup" else ("c", "w", "f")
    if not params["base_url"].startswith(("http://", "https://")) or not all(params.get(k) for k in need):
        raise UsageError("this is not %s link (%s)" % (
            ("a setup", "https://host/setup#t=...&w=...") if args.command == "setup"
            else ("an invite", "https://host/join#c=...&w=...&f=...&r=...")))
    phrase = _passphrase(confirm=True)
    transport = HTTPTransport(params["base_url"], ca=ca, on_wait=_say_wait)
    client = (Client.bootstrap(transport, params["t"], params["w"]) if args.command == "setup"
              else Client.enroll(transport, params["c"], params["w"], params["f"], params.get("r")))
    client.save_state(path, phrase)
    print("Safety number (compare it with your coordinator's screen): %s" % client.safety_number())
    print("Joined as %s (%s)." % (client.replica.device, client.replica.role))
    return 0


def do_sync(client, args):
    result = client.sync()
    print(json.dumps(result, indent=2, default=str))
    for error in result["errors"]:
        print("zapis: %s" % error["message"], file=sys.stderr)
    for refused in result["refused"]:
        print("zapis: the server refused a %s of record %s: %s (%s)" % (
            refused["kind"], refused["record"], _one_line(refused["message"]), refused["code"]),
            file=sys.stderr)
    if result["revoked"]:
        print("zapis: this device was removed from the workspace", file=sys.stderr)
    return 1 if result["errors"] or result["revoked"] else 0


def do_save(client, args):
    try:
        values = json.loads(args.values)
    except ValueError:
        raise UsageError("the values are not JSON: give them as '{\"field\": \"value\"}'") from None
    if not isinstance(values, dict):
        raise UsageError("the values must be a JSON object: '{\"field\": \"value\"}'")
    print(client.save(values, record=args.record))


def _kinds(text):
    chosen = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in chosen if k not in kinds.KINDS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError("no such kind: %s (the kinds are %s)"
                                         % (", ".join(unknown) or "(none given)", ", ".join(kinds.KINDS)))
    return set(chosen)


def do_export(client, args):
    wanted = args.kinds if args.kinds is not None else set(kinds.KINDS) - {kinds.NAME_KIND}
    # A record of a kind this registry does not know (a newer client's) is exported by default.
    records = {rid: values for rid, values in client.export().items()
               if kinds.kind_of(values) in wanted or (args.kinds is None and kinds.kind_of(values) is None)}
    for u in client.replica.unreadable():
        print("record %s, field %s: an unreadable value from %s (left out)"
              % (u["record"], u["field"], u["label"]), file=sys.stderr)
    if args.format == "json":
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        fields = kinds.columns(records)
        writer = csv.writer(sys.stdout)
        writer.writerow(["record"] + fields)
        for rid, values in sorted(records.items()):
            writer.writerow([rid] + [_cell(values.get(f)) for f in fields])


def do_attachments(client, args):
    result = client.sync()
    if result["errors"]:
        print("zapis: %s" % result["errors"][0]["message"], file=sys.stderr)
        return 1
    if args.command == "attach":
        with open(args.file, "rb") as f:
            data = f.read()
        mime = args.type or mimetypes.guess_type(args.file)[0] or "application/octet-stream"
        before = set(client.replica.uploads)
        try:
            entry = attachments.attach(client, args.record, data, os.path.basename(args.file)[:200], mime)
        except (APIError, TransportError) as exc:
            if set(client.replica.uploads) - before:   # announced: its chunks wait in the state file
                print("zapis: %s; the file is attached and its upload stopped part way: `sync` sends the rest"
                      % describe(exc), file=sys.stderr)
                return 1
            raise
        print(entry["id"])
    elif args.command == "attachments":
        print(json.dumps(attachments.listing(client, args.record), indent=2, ensure_ascii=False))
    else:
        data, entry = attachments.fetch(client, args.record, args.attachment)
        with open(args.out, "wb") as f:
            f.write(data)
        print("%s: %d bytes, hash checked" % (entry["name"], len(data)))


def _cell(value):
    if value is None or isinstance(value, str):
        return value or ""
    return json.dumps(value, ensure_ascii=False)


def _revoke(client, args):
    client.revoke(args.device)
    print("Removed %s; %d records have a new key." % (args.device, client.replica.rotated))


def _certify(client, args):
    client.certify(args.device, safety=args.safety)
    print("Certified %s." % args.device)


COMMANDS = {
    "sync": do_sync,
    "save": do_save,
    "ack": lambda client, args: print(client.acknowledge(args.record)),
    "export": do_export,
    "invite": lambda client, args: print(client.create_invite(args.role, max_uses=args.uses,
                                                              base_url=client.transport.base_url)),
    "certify": _certify,
    "revoke": _revoke,
    "rotate": lambda client, args: print("%d records have a new key." % client.rotate_keys(args.device)),
    "safety": lambda client, args: print(client.safety_number()),
    "attach": do_attachments,
    "attachments": do_attachments,
    "fetch-attachment": do_attachments,
}
