"""Survey and program-form contracts (REDCap or Qualtrics, or the CSV drop).

- confidence_answers: the quarterly self-rated confidence survey, one row per
  answered Likert item (1-5); item ids map to LRS dimensions in a dbt seed.
- satisfaction_ratings: a resident rates a mentor (1-5) in a tier.
- activity_logs: what mentors log (leadership exposure, meetings, ...).
- mentor_contracts and contract_deliverables: the mentorship contract and its
  deliverables with due dates.
- career_interests: interest tags (mentees) and expertise tags and capacity (mentors).
"""

from __future__ import annotations

from integrations.common.schema import StreamContract, columns

CONFIDENCE_ANSWERS = StreamContract(
    feed="surveys",
    name="confidence_answers",
    description="Quarterly confidence survey: one row per response and Likert item.",
    columns=columns(
        "response_id",
        "respondent_id",
        "quarter",
        "item_id",
        ("answer", "integer"),
        ("submitted_at", "timestamp"),
    ),
    primary_key=("response_id", "item_id"),
    replication_key="submitted_at",
)

SATISFACTION_RATINGS = StreamContract(
    feed="surveys",
    name="satisfaction_ratings",
    description="Mentorship satisfaction: a resident's rating of one mentor in one tier.",
    columns=columns(
        "response_id",
        "respondent_id",
        "mentor_id",
        "tier",
        "quarter",
        ("rating", "integer"),
        "comments",
        ("submitted_at", "timestamp"),
    ),
    primary_key=("response_id",),
    replication_key="submitted_at",
)

ACTIVITY_LOGS = StreamContract(
    feed="surveys",
    name="activity_logs",
    description="Mentor activity log entries (leadership exposure, meetings, ...).",
    columns=columns(
        "log_id",
        "mentor_id",
        "mentee_id",
        "activity_type",
        ("activity_date", "date"),
        ("minutes", "integer"),
        "notes",
        ("submitted_at", "timestamp"),
    ),
    primary_key=("log_id",),
    replication_key="submitted_at",
)

MENTOR_CONTRACTS = StreamContract(
    feed="surveys",
    name="mentor_contracts",
    description="Mentorship contracts between a mentor and a mentee.",
    columns=columns(
        "contract_id",
        "mentor_id",
        "mentee_id",
        "tier",
        ("signed_on", "date"),
        ("start_date", "date"),
        ("end_date", "date"),
        "status",
        ("submitted_at", "timestamp"),
    ),
    primary_key=("contract_id",),
    replication_key="submitted_at",
)

CONTRACT_DELIVERABLES = StreamContract(
    feed="surveys",
    name="contract_deliverables",
    description="Deliverables recorded on a mentorship contract, with due and completion dates.",
    columns=columns(
        "deliverable_id",
        "contract_id",
        "description",
        ("due_date", "date"),
        ("completed_on", "date"),
        ("submitted_at", "timestamp"),
    ),
    primary_key=("deliverable_id",),
    replication_key="submitted_at",
)

CAREER_INTERESTS = StreamContract(
    feed="surveys",
    name="career_interests",
    description="Interest tags (mentees) or expertise tags and capacity (mentors), ';'-separated.",
    columns=columns(
        "response_id",
        "respondent_id",
        "respondent_role",
        "tags",
        ("capacity", "integer"),
        ("submitted_at", "timestamp"),
    ),
    primary_key=("response_id",),
    replication_key="submitted_at",
)

CONTRACTS = [
    CONFIDENCE_ANSWERS,
    SATISFACTION_RATINGS,
    ACTIVITY_LOGS,
    MENTOR_CONTRACTS,
    CONTRACT_DELIVERABLES,
    CAREER_INTERESTS,
]
