"""The two ASGI apps the purchase benchmark serves with identical uvicorn settings (``--factory``).

- ``product_app``: the product's own FastAPI app (auth, validation, the purchase service, the card rule).
- ``minimal_app``: the limit, a minimal FastAPI endpoint on the same path doing one INSERT into the same
  ``purchases`` table through SQLAlchemy, with a session per request, the product's engine factory
  (``loyalty.core.db.make_engine``: pool, timeouts) and its thread pool size.
Both read the database from ``LOYALTY_DATABASE_URL``.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from anyio import to_thread
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy.orm import Session


def product_app() -> Any:
    from benchmarks import product  # only the product server pays for the product's imports

    return product.purchase_app()


API_STATEMENT_TIMEOUT_S = 30  # the product's default LOYALTY_API_STATEMENT_TIMEOUT


class PurchaseIn(BaseModel):
    amount: Decimal
    receipt_id: str


def minimal_app() -> FastAPI:
    # the product's own engine factory and thread pool size (loyalty.core.db is light: no routes, no models)
    from loyalty.core.db import API_THREADS, make_engine

    engine = make_engine(os.environ["LOYALTY_DATABASE_URL"], statement_timeout_s=API_STATEMENT_TIMEOUT_S)
    purchases = sa.Table("purchases", sa.MetaData(), autoload_with=engine)

    @asynccontextmanager
    async def sized_thread_pool(_app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = API_THREADS
        yield

    app = FastAPI(lifespan=sized_thread_pool)

    def session() -> Iterator[Session]:
        with Session(engine) as s:
            yield s

    @app.post("/api/v1/members/{member_id}/purchases", status_code=201)
    def add_purchase(
        member_id: int, data: PurchaseIn, db: Annotated[Session, Depends(session)]
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        values = {
            "member_id": member_id,
            "amount": data.amount,
            "receipt_id": data.receipt_id,
            "occurred_at": now,
            "created_at": now,
        }
        new_id = db.execute(sa.insert(purchases).values(values).returning(purchases.c.id)).scalar_one()
        db.commit()
        return {"id": new_id, **values}

    return app
