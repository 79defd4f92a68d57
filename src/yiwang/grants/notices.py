"""Notices of the grants ledger, queued through ``yiwang.notify`` in the ledger's own transaction.

Two templates: ``grant_matched`` (a subject qualifies and must confirm the bank account or apply) and
``grant_paid`` (the money has arrived). Their texts live here; until the shipped catalogue carries them they are
published once into the template table (``ensure_templates``), after which the highest version wins as usual.
Recipients are the in-app inboxes of the enterprise's agents and the funding department's shared inbox.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from yiwang.grants.models import Grant
from yiwang.identity import services as identity_services
from yiwang.kernel.actor import SYSTEM_ACTOR
from yiwang.kernel.errors import ValidationError
from yiwang.notify import services as notify_services

TEMPLATES: dict[str, dict[str, str]] = {
    "grant_matched": {
        "name": "惠企资金待确认通知",
        "title": "政策直达：{{ policy_name }}",
        "body": "您符合“{{ policy_name }}”的兑现条件，拟兑现 {{ amount }} 元（第{{ instalment }}期）。"
        "请在“我的政策”中{{ action }}：{{ grant_url }}",
    },
    "grant_paid": {
        "name": "惠企资金到账通知",
        "title": "资金已到账：{{ policy_name }}",
        "body": "“{{ policy_name }}”第{{ instalment }}期资金 {{ amount }} 元已于 {{ paid_on }} 拨付到账，"
        "详情见“我的政策”：{{ grant_url }}",
    },
}


def ensure_templates(session: Session) -> None:
    """Publish the ledger's in-app templates once when neither the catalogue nor the database has them."""
    for key, text in TEMPLATES.items():
        try:
            notify_services.preview_template(session, key=key, channel="inapp", variables=_sample(key))
        except ValidationError:
            session.rollback()
            notify_services.publish_template(
                session,
                actor=SYSTEM_ACTOR,
                key=key,
                channel="inapp",
                body=text["body"],
                title=text["title"],
                name=text["name"],
            )


def _sample(key: str) -> dict[str, str]:
    values = {
        "policy_name": "示例",
        "amount": "1",
        "instalment": "1",
        "grant_url": "/",
        "action": "确认",
        "paid_on": "-",
    }
    return {
        name: values[name]
        for name in values
        if "{{ " + name + " }}" in TEMPLATES[key]["body"] + TEMPLATES[key]["title"]
    }


def _recipients(session: Session, grant: Grant) -> list[str]:
    """In-app inboxes of the subject: the enterprise's agents, or the person's own account when one is bound."""
    if grant.subject_kind == "enterprise":
        return identity_services.subject_accounts(session, enterprise_uscc=grant.subject_code)
    return identity_services.subject_accounts(session, person_id_number=grant.subject_code)


def grant_matched(session: Session, *, grant: Grant) -> None:
    """Tell the subject they qualify and what to do (confirm the account, or apply)."""
    action = "提交申请并确认收款账户" if grant.mode == "apply" else "确认收款银行账户"
    variables = {
        "policy_name": grant.policy_name,
        "amount": f"{grant.amount:,.2f}",
        "instalment": str(grant.instalment),
        "action": action,
        "grant_url": "/policies/mine",
    }
    for username in _recipients(session, grant):
        notify_services.enqueue(
            session,
            template_key="grant_matched",
            channel="inapp",
            recipient=username,
            recipient_account_id=username,
            variables=variables,
            idempotency_key=f"grants:matched:{grant.idempotency_key}:{username}",
            subject_ref=f"grant:{grant.id}",
        )


def grant_paid(session: Session, *, grant: Grant, paid_on: dt.date) -> None:
    """Tell the subject the money has arrived."""
    variables = {
        "policy_name": grant.policy_name,
        "amount": f"{grant.amount:,.2f}",
        "instalment": str(grant.instalment),
        "paid_on": paid_on.isoformat(),
        "grant_url": "/policies/mine",
    }
    for username in _recipients(session, grant):
        notify_services.enqueue(
            session,
            template_key="grant_paid",
            channel="inapp",
            recipient=username,
            recipient_account_id=username,
            variables=variables,
            idempotency_key=f"grants:paid:{grant.idempotency_key}:{username}",
            subject_ref=f"grant:{grant.id}",
        )
