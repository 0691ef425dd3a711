"""Tables and enums only, one module per table group; ``metadata`` is what Alembic and the tests read.

Domain packages read each other's tables through this package, never through each other's services.
"""

from sqlmodel import SQLModel

from loyalty.models import (  # noqa: F401  (each import registers its tables on the metadata)
    audit,
    campaigns,
    cards,
    coupons,
    holidays,
    idempotency,
    members,
    messages,
    occasions,
    operations,
    purchases,
    segments,
    shop,
    stores,
    users,
    wallet,
)

metadata = SQLModel.metadata
