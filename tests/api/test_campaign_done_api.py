"""A campaign is "done" only when every message of it has a fate (issue 22 point 5): while its runs are done
but messages still wait (quiet hours, the cap, the queue), the API shows it and its run as "sending" with
the number still waiting; once each is sent, failed, dropped or cancelled, "done"."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from loyalty.core.clock import utcnow
from loyalty.models.campaigns import Campaign, CampaignRun
from loyalty.models.messages import Category, Message, MessageEvent, MessageState
from tests.builders import make_campaign_run, make_member


def _message(session: Session, run: CampaignRun, n: int) -> Message:
    member = make_member(session, f"Bekleyen Üye {n}", f"+90533777660{n}")
    now = utcnow()
    message = Message(
        member_id=member.id,
        channel="sms",
        requested_channel="sms",
        dedupe_key=f"done-test:{run.id}:{n}",
        purpose="holiday_coupon",
        category=Category.promotional,
        campaign_id=run.campaign_id,
        run_id=run.id,
        state=MessageState.queued,
        not_before=now + timedelta(hours=9),  # the quiet hours end tomorrow morning
    )
    session.add(message)
    session.flush()
    session.add(MessageEvent(message_id=message.id, state="deferred", detail="quiet hours", at=now))
    return message


def test_done_only_when_every_message_has_a_fate(
    client: TestClient, session: Session, marketing: dict
) -> None:
    run = make_campaign_run(session, run_key="2026", name="Gece kampanyası", status="done")
    run.status, run.targeted, run.messages_queued = "done", 3, 3
    session.add(run)
    waiting = [_message(session, run, n) for n in range(3)]
    session.flush()
    url = f"/api/v1/campaigns/{run.campaign_id}"

    detail = client.get(url, headers=marketing).json()
    assert (detail["status"], detail["messages_waiting"]) == ("sending", 3)
    assert [(r["status"], r["messages_waiting"]) for r in detail["runs"]] == [("sending", 3)]
    listed = {c["id"]: c for c in client.get("/api/v1/campaigns", headers=marketing).json()}
    assert listed[run.campaign_id]["status"] == "sending"

    fates = [
        (MessageState.sent, None),
        (MessageState.failed, "provider refused"),
        (MessageState.cancelled, "frequency cap: not sent late"),  # dropped
    ]
    for message, (state, reason) in zip(waiting[:2], fates[:2], strict=True):
        message.state, message.error_message = state, reason
        session.add(message)
    session.flush()
    detail = client.get(url, headers=marketing).json()
    assert (detail["status"], detail["messages_waiting"]) == ("sending", 1)  # one still waits

    waiting[2].state, waiting[2].error_message = fates[2]
    session.add(waiting[2])
    session.flush()
    detail = client.get(url, headers=marketing).json()
    assert (detail["status"], detail["messages_waiting"]) == ("done", 0)
    assert [(r["status"], r["messages_waiting"]) for r in detail["runs"]] == [("done", 0)]
    assert session.get(Campaign, run.campaign_id).status == "done"  # type: ignore[union-attr]


def test_a_scheduled_campaign_with_waiting_messages_stays_scheduled(
    client: TestClient, session: Session, marketing: dict
) -> None:
    """A yearly campaign whose next run is ahead keeps "scheduled"; its done run shows "sending"."""
    run = make_campaign_run(session, run_key="2026", name="Yıllık kampanya", status="scheduled")
    run.status = "done"
    session.add(run)
    _message(session, run, 7)
    session.flush()
    detail = client.get(f"/api/v1/campaigns/{run.campaign_id}", headers=marketing).json()
    assert (detail["status"], detail["messages_waiting"]) == ("scheduled", 1)
    assert detail["runs"][0]["status"] == "sending"
