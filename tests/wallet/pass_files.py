"""Reading a served .pkpass back: its files, the manifest's hashes, the signature checked by openssl."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7

REQUIRED = (
    "formatVersion",
    "passTypeIdentifier",
    "serialNumber",
    "teamIdentifier",
    "organizationName",
    "description",
)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def check_pass(data: bytes, root: Path, wwdr: Path, folder: Path) -> dict[str, Any]:
    """The pass.json of a pass whose manifest lists every file with its SHA-1 and whose detached signature
    verifies (openssl, against the test root) and carries the WWDR intermediate; AssertionError otherwise."""
    files = unzip(data)
    assert {"pass.json", "manifest.json", "signature", "icon.png", "logo.png"} <= set(files)
    listed = json.loads(files["manifest.json"])
    assert set(listed) == set(files) - {"manifest.json", "signature"}
    for name, digest in listed.items():
        assert hashlib.sha1(files[name]).hexdigest() == digest, name
    carried = pkcs7.load_der_pkcs7_certificates(files["signature"])
    intermediate = x509.load_der_x509_certificate(wwdr.read_bytes())
    assert intermediate in carried
    (folder / "manifest.json").write_bytes(files["manifest.json"])
    (folder / "signature").write_bytes(files["signature"])
    verified = subprocess.run(
        [
            "openssl",
            "smime",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(folder / "signature"),
            "-content",
            str(folder / "manifest.json"),
            "-CAfile",
            str(root),
            "-purpose",
            "any",
            "-out",
            str(folder / "verified"),
        ],
        capture_output=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr.decode()
    document: dict[str, Any] = json.loads(files["pass.json"])
    for key in REQUIRED:
        assert document.get(key), key
    assert document["formatVersion"] == 1
    return document
