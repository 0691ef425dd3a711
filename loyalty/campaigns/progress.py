"""Whether a campaign is really done: its runs may all have run while their messages still wait (for the
quiet hours to end, the frequency cap's window, a provider retry). Such a campaign or run is shown as
``sending`` with the number of messages still waiting; ``done`` only once every message has a fate
(sent or delivered, failed, dropped, cancelled — loyalty.messaging.fates)."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from loyalty.models.campaigns import CampaignStatus, RunStatus
from loyalty.models.messages import Message, MessageState

SENDING = "sending"  # shown, never stored: the runs are done, some messages have no fate yet
WAITING = (MessageState.queued, MessageState.sending)  # queued covers deferred (waiting on quiet hours/cap)


def waiting_by_run(session: Session, campaign_id: int) -> dict[int | None, int]:
    """How many of the campaign's messages have no fate yet, per run (None: messages of no run)."""
    rows = session.exec(
        select(Message.run_id, func.count())
        .where(Message.campaign_id == campaign_id, col(Message.state).in_(WAITING))
        .group_by(col(Message.run_id))
    ).all()
    return {run_id: int(count) for run_id, count in rows}


def shown_status(stored: str, waiting: int) -> str:
    """The status marketing sees: a done campaign or run with messages still waiting is ``sending``."""
    if waiting > 0 and stored in (CampaignStatus.done, RunStatus.done):
        return SENDING
    return stored
