"""What the pages show about one member, across the domain packages (this level sees them all).

The member's own page (``/m/{token}``): their name, consent, pause and occasions.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session

from loyalty.members.schemas import ConsentChoice
from loyalty.models.members import Member
from loyalty.occasions.registry import list_occasions, occasion_public
from loyalty.occasions.schemas import OccasionPublic


class SelfMember(BaseModel):
    full_name: str
    locale: str
    has_email: bool
    consent: ConsentChoice
    paused: bool
    paused_until: datetime | None


class SelfPage(BaseModel):
    member: SelfMember
    occasions: list[OccasionPublic]


def member_page(session: Session, member: Member) -> SelfPage:
    assert member.id is not None
    found = list_occasions(session, member.id)
    return SelfPage(
        member=SelfMember(
            full_name=member.full_name,
            locale=member.locale,
            has_email=bool(member.email),
            consent=ConsentChoice(sms=member.sms_opt_in, email=member.email_opt_in),
            paused=member.paused,
            paused_until=member.paused_until,
        ),
        occasions=[occasion_public(session, o) for o in found],
    )
