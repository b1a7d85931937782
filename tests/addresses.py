"""Find a client address in bytes, in every form a log, a key or a counter could hold it."""

import ipaddress
import re


def address_forms(address):
    """The byte strings that would betray `address` (IPv4): dotted, IPv4-mapped IPv6, reversed
    (PTR), hex, the 32-bit integer, packed bytes, and dotted with other separators."""
    ip = ipaddress.IPv4Address(address)
    octets = address.split(".")
    forms = {
        address,
        "::ffff:" + address,
        ".".join(reversed(octets)),
        "-".join(octets),
        "_".join(octets),
        "%08x" % int(ip),
        "%08X" % int(ip),
        str(int(ip)),
        "::ffff:%x:%x" % (int(ip) >> 16, int(ip) & 0xFFFF),
    }
    out = {f.encode("ascii") for f in forms}
    out.add(ip.packed)
    return out


def find_address(data, address):
    """The forms of `address` found in `data` (bytes), each with a little context; [] if none.

    A dotted form counts only where it is not part of a longer number (127.0.0.10 is not
    127.0.0.1), so the scan is exact."""
    found = []
    for form in address_forms(address):
        if form == ipaddress.IPv4Address(address).packed:
            pattern = re.escape(form)
        else:
            pattern = rb"(?<![0-9A-Za-z])" + re.escape(form) + rb"(?![0-9A-Za-z])"
        for m in re.finditer(pattern, data):
            found.append((form, data[max(0, m.start() - 60):m.end() + 60]))
    return found
