"""Users for admins: create, list, re-role, disable or enable, reset a password."""

from __future__ import annotations

from fastapi import status

from api.deps import AdminUser, IdPath, SessionDep
from api.routing import api_router
from loyalty.accounts.schemas import PasswordReset, UserAdmin, UserChange, UserCreate, user_admin
from loyalty.accounts.users import create_user, list_users, set_password, update_user

router = api_router(tags=["users"])


@router.get("/users", response_model=list[UserAdmin])
def users(session: SessionDep, _user: AdminUser) -> list[UserAdmin]:
    return [user_admin(u) for u in list_users(session)]


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserAdmin)
def create(data: UserCreate, session: SessionDep, _user: AdminUser) -> UserAdmin:
    view = user_admin(create_user(session, data.username, data.password, data.role, data.full_name))
    session.commit()
    return view


@router.patch("/users/{user_id}", response_model=UserAdmin)
def change(user_id: IdPath, data: UserChange, session: SessionDep, user: AdminUser) -> UserAdmin:
    """Re-role, disable or enable; the last active admin stays one (409), nobody disables themself (422)."""
    changed = update_user(
        session,
        user_id,
        role=data.role,
        is_active=data.is_active,
        full_name=data.full_name,
        acting_user_id=user.id,
    )
    view = user_admin(changed)
    session.commit()
    return view


@router.post("/users/{user_id}/password", response_model=UserAdmin)
def reset_password(user_id: IdPath, data: PasswordReset, session: SessionDep, _user: AdminUser) -> UserAdmin:
    view = user_admin(set_password(session, user_id, data.password))
    session.commit()
    return view
