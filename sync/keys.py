"""P-256 keys: generation, the wire forms (raw SEC1 points, P1363 signatures), fingerprints."""

import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .b64 import b64decode, b64encode

CURVE = ec.SECP256R1()
PUBLIC_KEY_BYTES = 65
SIGNATURE_BYTES = 64
# The order of P-256's base point. A signature (r, s) also verifies as (r, n - s); only the
# "low" one (s <= n / 2) is accepted, so one signed text has one signature and no other.
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
HALF_ORDER = ORDER // 2


class InvalidKey(ValueError):
    """A public key that is not an uncompressed P-256 point on the curve."""


def generate_key():
    """A new P-256 private key (used both for ECDSA and for ECDH)."""
    return ec.generate_private_key(CURVE)


def private_from_scalar(d):
    """The private key with scalar `d` (bytes, 32): for fixed test vectors."""
    return ec.derive_private_key(int.from_bytes(d, "big"), CURVE)


def private_to_pkcs8(key):
    """PKCS#8 DER of a private key: WebCrypto's 'pkcs8' import format."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def private_from_pkcs8(der):
    """Load a private key from PKCS#8 DER."""
    return serialization.load_der_private_key(der, password=None)


def public_raw(key):
    """The 65-byte uncompressed SEC1 point of a private or public key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def public_b64(key):
    """The public key as base64url text, the form it travels in."""
    return b64encode(public_raw(key))


@lru_cache(maxsize=4096)
def load_public(text):
    """Load a public key from base64url text; raise InvalidKey if it is not a valid point."""
    try:
        raw = b64decode(text, PUBLIC_KEY_BYTES)
        if raw[0] != 4:
            raise ValueError("not uncompressed")
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, raw)
    except ValueError as exc:
        raise InvalidKey("not an uncompressed P-256 public key") from exc


def fingerprint(public_text):
    """SHA-256 of the raw public key, base64url: a workspace's or a device's fingerprint."""
    return b64encode(hashlib.sha256(b64decode(public_text, PUBLIC_KEY_BYTES)).digest())


def sign(key, data):
    """ECDSA P-256 SHA-256 signature of `data` in IEEE P1363 form (r||s), base64url, low-s."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    if s > HALF_ORDER:
        s = ORDER - s
    return b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def verify(public_text, signature_text, data):
    """True when `signature_text` is a valid low-s P1363 signature of `data` by that public key."""
    if not isinstance(public_text, str) or not isinstance(signature_text, str):
        return False
    try:
        key = load_public(public_text)
        raw = b64decode(signature_text, SIGNATURE_BYTES)
    except ValueError:
        return False
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if not (0 < r < ORDER and 0 < s <= HALF_ORDER):
        return False
    der = encode_dss_signature(r, s)
    try:
        key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def ecdh(private_key, public_text):
    """The ECDH shared secret (the 32-byte x coordinate, as WebCrypto's deriveBits gives)."""
    return private_key.exchange(ec.ECDH(), load_public(public_text))
