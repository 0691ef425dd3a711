"""The shop's setup (first run and later): name, zone, country, card rule, quiet hours."""

from __future__ import annotations

from fastapi import Request

from api.deps import AdminUser, CurrentUser, SessionDep
from api.routing import api_router
from loyalty.accounts.shop import (
    MessageCopy,
    ShopSetup,
    ShopState,
    default_copy,
    save_default_copy,
    save_shop_settings,
    shop_state,
)
from loyalty.core.settings import Settings

router = api_router(tags=["admin"])


def _base(request: Request) -> Settings:
    base: Settings = getattr(request.app.state, "base_settings", request.app.state.settings)
    return base


@router.get("/shop", response_model=ShopState)
def read_shop(request: Request, session: SessionDep, _user: CurrentUser) -> ShopState:
    """The settings in effect, which come from the environment, and whether the first-run setup is done."""
    view, _ = shop_state(session, _base(request))
    return view


@router.put("/shop", response_model=ShopState)
def save_shop(request: Request, data: ShopSetup, session: SessionDep, _user: AdminUser) -> ShopState:
    """Store the values sent; they apply at once here (environment variables still win), and to workers
    when they next start."""
    save_shop_settings(session, data)
    view, effective = shop_state(session, _base(request))
    session.commit()
    request.app.state.settings = effective
    return view


@router.get("/shop/message-copy", response_model=MessageCopy)
def read_default_copy(session: SessionDep, _user: CurrentUser) -> MessageCopy:
    """The shop's default campaign words (null: the built-in templates)."""
    return MessageCopy(message_copy=default_copy(session))


@router.put("/shop/message-copy", response_model=MessageCopy)
def save_copy(data: MessageCopy, session: SessionDep, _user: AdminUser) -> MessageCopy:
    """The shop's default campaign words with named placeholders; 422 naming an unknown one or a text
    without {kod}. A campaign's own words win over these."""
    view = save_default_copy(session, data)
    session.commit()
    return view
