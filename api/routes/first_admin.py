"""The first admin on an empty database, from the sign-in page (no sign-in: there is nobody yet)."""

from __future__ import annotations

from fastapi import status

from api.deps import SessionDep
from api.routing import api_router
from loyalty.accounts.audit import set_actor
from loyalty.accounts.first_admin import create_first_admin, first_admin_open
from loyalty.accounts.schemas import FirstAdminCreate, FirstAdminState, UserAdmin, user_admin

router = api_router(prefix="/setup", tags=["users"])


@router.get("/first-admin")
def state(session: SessionDep) -> FirstAdminState:
    return FirstAdminState(open=first_admin_open(session))


@router.post(
    "/first-admin",
    status_code=status.HTTP_201_CREATED,
    response_model=UserAdmin,
    responses={409: {"description": "a user exists already, or the first admin was created before"}},
)
def create(data: FirstAdminCreate, session: SessionDep) -> UserAdmin:
    """Create the first admin; refused (409) once any user exists, and for ever after the first success."""
    set_actor(session, "first-admin")
    view = user_admin(create_first_admin(session, data.username, data.password, data.full_name))
    session.commit()
    return view
