"""Certificates and keys made by the tests: a root standing in for Apple's, the WWDR intermediate it signs,
and a pass type certificate the intermediate signs; an APNs token key; a Google service account key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PASS_TYPE_ID = "pass.com.example.loyalty"
TEAM_ID = "TEAM123456"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, issuer: str, issuer_key: rsa.RSAPrivateKey, *, ca: bool
) -> x509.Certificate:
    now = datetime.now(UTC)  # certificate validity is real time, not the product's clock
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@dataclass(frozen=True)
class PassCertificates:
    root: Path
    wwdr: Path
    certificate: Path
    key: Path


def make_pass_certificates(folder: Path) -> PassCertificates:
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wwdr_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pass_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate("Test Root CA", root_key, "Test Root CA", root_key, ca=True)
    wwdr = _certificate("Test WWDR", wwdr_key, "Test Root CA", root_key, ca=True)
    signer = _certificate(f"Pass Type ID: {PASS_TYPE_ID}", pass_key, "Test WWDR", wwdr_key, ca=False)
    pem = serialization.Encoding.PEM
    return PassCertificates(
        root=_pem(folder / "root.pem", root.public_bytes(pem)),
        wwdr=_pem(folder / "wwdr.der", wwdr.public_bytes(serialization.Encoding.DER)),  # as Apple hands it
        certificate=_pem(folder / "pass.pem", signer.public_bytes(pem)),
        key=_pem(
            folder / "pass.key",
            pass_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        ),
    )


def make_apns_key(folder: Path) -> tuple[Path, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _pem(folder / "AuthKey_TESTKEY123.p8", data), key


def make_service_account(folder: Path, token_uri: str) -> tuple[Path, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    account = {
        "type": "service_account",
        "project_id": "test-project",
        "private_key_id": "test-key-id",
        "private_key": pem,
        "client_email": "wallet@test-project.iam.gserviceaccount.com",
        "token_uri": token_uri,
    }
    return _pem(folder / "service-account.json", json.dumps(account).encode()), key


def pass_settings(certificates: PassCertificates) -> dict[str, object]:
    return {
        "apple_pass_type_id": PASS_TYPE_ID,
        "apple_pass_team_id": TEAM_ID,
        "apple_pass_certificate": certificates.certificate,
        "apple_pass_key": certificates.key,
        "apple_pass_wwdr": certificates.wwdr,
    }
