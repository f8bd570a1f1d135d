"""Calendar feed contract: each mentor's free slots per week.

Microsoft Graph ``getSchedule`` and ICS feeds both reduce to the same thing: the
number of free one-hour slots in working hours (Monday-Friday, 08:00-18:00 in the
mentor's time zone) per ISO week. The matching engine's availability reads it.
"""

from __future__ import annotations

from integrations.common.schema import StreamContract, columns

FREE_SLOTS = StreamContract(
    feed="calendar",
    name="free_slots",
    description="Free one-hour working-hour slots per mentor and week.",
    columns=columns(
        "mentor_id",
        ("week_start", "date"),
        ("free_slots", "integer"),
        ("busy_minutes", "integer"),
        ("working_slots", "integer"),
        "calendar_source",
    ),
    primary_key=("mentor_id", "week_start"),
)

CONTRACTS = [FREE_SLOTS]
