from __future__ import annotations

from pathlib import Path

import pytest

from loyalty.core.settings import Settings
from tests.wallet.certs import PassCertificates, make_pass_certificates, pass_settings


@pytest.fixture(scope="session")
def pass_certificates(tmp_path_factory: pytest.TempPathFactory) -> PassCertificates:
    return make_pass_certificates(Path(tmp_path_factory.mktemp("wallet-certs")))


@pytest.fixture
def settings(db_url: str, tmp_path: Path, pass_certificates: PassCertificates) -> Settings:
    """The suite's settings with the shop's (test-made) pass certificate."""
    return Settings(
        env="test",
        database_url=db_url,
        secret_key="test-secret-key-not-for-production-0123456789",
        outbox_dir=tmp_path / "outbox",
        public_base_url="http://testserver",
        **pass_settings(pass_certificates),  # type: ignore[arg-type]
    )
