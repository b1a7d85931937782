"""Draw the app icons (PNG) with nothing but the standard library: python3 pwa/make_icons.py

The icon is deliberately plain, a notepad on a slate background: on a phone checked at a border
it must look like any note-taking app, so no flag colours and no symbols.
"""

import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "static", "icons")
BG = (31, 78, 95)        # slate
PAGE = (250, 250, 247)   # paper
INK = (31, 78, 95)
SAMPLES = 4              # supersampling per axis, for smooth edges


def rounded(x, y, x0, y0, x1, y1, r):
    """True when (x, y) lies inside the rounded rectangle."""
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def shade(u, v, maskable):
    """The colour (RGBA) at unit coordinates (u, v) in [0, 1)."""
    if maskable:
        bg = True  # full bleed: the platform cuts its own shape
        scale, off = 0.62, 0.19  # the drawing stays inside the safe zone (the middle 80 % circle)
    else:
        bg = rounded(u, v, 0.02, 0.02, 0.98, 0.98, 0.2)
        scale, off = 0.8, 0.1
    if not bg:
        return None
    x, y = (u - off) / scale, (v - off) / scale
    if rounded(x, y, 0.2, 0.1, 0.8, 0.9, 0.06):
        for i in range(4):
            top = 0.3 + i * 0.14
            right = 0.68 if i < 3 else 0.52
            if rounded(x, y, 0.32, top, right, top + 0.045, 0.02):
                return INK + (255,)
        return PAGE + (255,)
    return BG + (255,)


def draw(size, maskable):
    """Rows of RGBA bytes for an icon of `size` pixels."""
    rows = []
    n = SAMPLES * SAMPLES
    for py in range(size):
        row = bytearray([0])  # PNG filter type 0 for this row
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    c = shade((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size,
                              maskable)
                    if c:
                        for k in range(3):
                            acc[k] += c[k] * c[3]
                        acc[3] += c[3]
            alpha = acc[3] / n
            if acc[3]:
                row += bytes(round(acc[k] / acc[3]) for k in range(3)) + bytes([round(alpha)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return b"".join(rows)


def png(size, data):
    """A PNG file (8-bit RGBA) holding `data`."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(data, 9))
            + chunk(b"IEND", b""))


def main():
    """Write every icon the manifest and the shell name."""
    os.makedirs(OUT, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("maskable-192.png", 192, True), ("maskable-512.png", 512, True),
                                 ("apple-touch-icon.png", 180, True)):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(png(size, draw(size, maskable)))
        print("wrote", name)


if __name__ == "__main__":
    main()
