"""Stores (branches): list for everyone signed in, create and change for admins, figures per store."""

from __future__ import annotations

from fastapi import status

from api.deps import AdminUser, AnyUser, IdPath, SessionDep
from api.routing import api_router
from loyalty.accounts.schemas import (
    StoreChange,
    StoreCreate,
    StorePublic,
    StoreSummary,
    store_public,
)
from loyalty.accounts.stores import create_store, list_stores, store_figures, update_store

router = api_router(tags=["stores"])


@router.get("/stores", response_model=list[StorePublic])
def stores(session: SessionDep, _user: AnyUser) -> list[StorePublic]:
    return [store_public(s) for s in list_stores(session)]


@router.post("/stores", status_code=status.HTTP_201_CREATED, response_model=StorePublic)
def create(data: StoreCreate, session: SessionDep, _user: AdminUser) -> StorePublic:
    store = create_store(
        session, data.name, data.timezone, data.code, latitude=data.latitude, longitude=data.longitude
    )
    view = store_public(store)
    session.commit()
    return view


@router.patch("/stores/{store_id}", response_model=StorePublic)
def change(store_id: IdPath, data: StoreChange, session: SessionDep, _user: AdminUser) -> StorePublic:
    store = update_store(
        session,
        store_id,
        name=data.name,
        timezone=data.timezone,
        code=data.code,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    view = store_public(store)
    session.commit()
    return view


@router.get("/stores/{store_id}/summary", response_model=StoreSummary)
def summary(store_id: IdPath, session: SessionDep, _user: AdminUser) -> StoreSummary:
    """Purchases, revenue and coupon redemptions recorded at the store; members whose home store it is."""
    store, purchases, revenue, redemptions, members = store_figures(session, store_id)
    return StoreSummary(
        store=store_public(store),
        purchases=purchases,
        revenue=revenue,
        redemptions=redemptions,
        members=members,
    )
