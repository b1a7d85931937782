"""gzip for the sync API's large bodies, with ISA-L (python-isal).

Pull pages are mostly base64url ciphertext, which deflate can only Huffman-code: zlib spent as
long compressing a page as the server spent building it (about 36 MB/s here). ISA-L's level 1
writes the same gzip format seven times faster, within 1% of zlib level 5's size. Responses set
their own Content-Encoding, so Flask-Compress (which still serves everything else) leaves them.
"""

from flask import Response, request
from isal import igzip

MIN_SIZE = 512


def json_response(text):
    """A JSON response from text, gzip-compressed when the client accepts gzip."""
    body = text.encode("utf-8")
    response = Response(body, mimetype="application/json")
    response.vary.add("Accept-Encoding")
    if len(body) >= MIN_SIZE and request.accept_encodings["gzip"]:
        response.set_data(igzip.compress(body, compresslevel=1))
        response.headers["Content-Encoding"] = "gzip"
    return response
