"""A signed Apple Wallet pass (.pkpass): a zip of pass.json and its images, ``manifest.json`` (the SHA-1 of
every file) and ``signature``, a detached PKCS#7 signature of the manifest made with the pass type
certificate, carrying Apple's WWDR intermediate.

Written with ``cryptography`` (``PKCS7SignatureBuilder``): the one library on PyPI for this (py-pkpass) is
an alpha-stage object model around these same few calls that reads keys from file paths only.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs7

MEDIA_TYPE = "application/vnd.apple.pkpass"


@dataclass(frozen=True)
class PassSigner:
    """The pass type certificate, its key and Apple's WWDR intermediate certificate."""

    certificate: x509.Certificate
    key: RSAPrivateKey | EllipticCurvePrivateKey
    wwdr: x509.Certificate

    @classmethod
    def from_files(cls, certificate: Path, key: Path, wwdr: Path, password: str = "") -> PassSigner:
        private = serialization.load_pem_private_key(key.read_bytes(), password.encode() or None)
        if not isinstance(private, RSAPrivateKey | EllipticCurvePrivateKey):
            raise ValueError("the pass type key must be an RSA or EC private key")
        return cls(
            certificate=x509.load_pem_x509_certificate(certificate.read_bytes()),
            key=private,
            wwdr=_certificate(wwdr.read_bytes()),
        )


def _certificate(data: bytes) -> x509.Certificate:
    """A PEM or DER certificate (Apple hands out the WWDR intermediate as DER)."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def manifest(files: dict[str, bytes]) -> bytes:
    """``{"pass.json": "<sha1 hex>", ...}`` for every file of the pass."""
    return json.dumps({name: hashlib.sha1(data).hexdigest() for name, data in sorted(files.items())}).encode()


def sign(data: bytes, signer: PassSigner) -> bytes:
    """The detached PKCS#7 (DER) signature of ``data``, with the WWDR intermediate among its certificates."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .add_certificate(signer.wwdr)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )


def build(pass_json: dict[str, Any], images: dict[str, bytes], signer: PassSigner) -> bytes:
    """The .pkpass archive: pass.json, the images, manifest.json and signature."""
    files = {"pass.json": json.dumps(pass_json, ensure_ascii=False).encode("utf-8"), **images}
    listed = manifest(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", listed)
        archive.writestr("signature", sign(listed, signer))
    return out.getvalue()
