"""The outbox of messages the program sends: one way to queue a row in ``program.notifications``.

The matching run (mentor notifications) and the readiness review (coaching flags)
both queue messages here. Each message has a ``dedupe_key``; queuing the same key
again does nothing, so re-running a quarter sends nobody a second message. A mail
or paging relay sends the rows and sets ``sent_at``.
"""

from __future__ import annotations

import json
from typing import Any


def queue_notification(
    conn: Any,
    *,
    kind: str,
    quarter: str,
    recipient_id: str,
    subject: str,
    body: str,
    payload: dict[str, Any],
    dedupe_key: str,
) -> int:
    """Queue one message in the open transaction ``conn``; 1 when new, 0 when already queued."""
    inserted = conn.exec_driver_sql(
        "insert into program.notifications (kind, quarter, recipient_id, subject, body, payload,"
        " dedupe_key) values (%s, %s, %s, %s, %s, %s, %s)"
        " on conflict (dedupe_key) do nothing",
        (kind, quarter, recipient_id, subject, body, json.dumps(payload, default=str), dedupe_key),
    ).rowcount
    return int(inserted)
