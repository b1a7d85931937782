"""Draw the camouflage icons (a plain calculator) as PNGs without any imaging library.

Run from the repository root: python scripts/make_calc_icons.py. It writes
pwa/static/icons/calc-192.png, calc-512.png (purpose "any") and calc-maskable-512.png; the SVG
twin is pwa/static/icons/calc.svg, drawn on the same 24-unit grid.
"""

import os
import struct
import zlib

BODY = (0x3A, 0x3F, 0x44)
SCREEN = (0xC8, 0xD8, 0xC0)
KEY = (0xE8, 0xEA, 0xEC)
OP = (0xF0, 0x8A, 0x24)
BACK = (0xF6, 0xF7, 0xF8)


def rect(px, size, x0, y0, x1, y1, colour):
    """Fill [x0, x1) × [y0, y1), in units of a 24-unit grid."""
    s = size / 24
    for y in range(round(y0 * s), round(y1 * s)):
        row = px[y]
        for x in range(round(x0 * s), round(x1 * s)):
            row[x] = colour


def draw(size, maskable=False):
    px = [[BACK if maskable else None for _ in range(size)] for _ in range(size)]
    inset = 2 if maskable else 0  # the maskable icon keeps its drawing inside the safe zone
    k = (24 - 2 * inset) / 24

    def r(x0, y0, x1, y1, colour):
        rect(px, size, inset + x0 * k, inset + y0 * k, inset + x1 * k, inset + y1 * k, colour)

    r(4, 1, 20, 23, BODY)
    r(6, 3, 18, 8, SCREEN)
    for row in range(4):
        for col in range(3):
            x, y = 6 + col * 4, 10 + row * 3.25
            r(x, y, x + 3, y + 2.25, OP if col == 2 else KEY)
    return px


def png(px):
    size = len(px)
    raw = b"".join(b"\0" + b"".join(bytes((*c, 255)) if c else b"\0\0\0\0" for c in row) for row in px)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pwa", "static", "icons")
    for name, size, maskable in (("calc-192.png", 192, False), ("calc-512.png", 512, False),
                                 ("calc-maskable-512.png", 512, True)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(png(draw(size, maskable)))


if __name__ == "__main__":
    main()
