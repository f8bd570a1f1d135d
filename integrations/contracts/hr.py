"""HR feed contracts: workers and their role/job history.

Both the CSV file drop and Workday RaaS land here. Role codes and PGY levels are
checked by the Great Expectations suites in ``expectations/``, not here.
"""

from __future__ import annotations

from integrations.common.schema import StreamContract, columns

ROLE_CODES = ("resident", "fellow", "attending", "division_chief", "vice_chair", "chair")

WORKERS = StreamContract(
    feed="hr",
    name="workers",
    description="One row per physician (worker) as HR knows them today.",
    columns=columns(
        "worker_id",
        "first_name",
        "last_name",
        "email",
        "department",
        "specialty",
        "program",
        ("hire_date", "date"),
        ("termination_date", "date"),
    ),
    primary_key=("worker_id",),
)

JOB_HISTORY = StreamContract(
    feed="hr",
    name="job_history",
    description="Role changes: one row per worker and effective date (PGY level for trainees).",
    columns=columns(
        "worker_id",
        ("effective_date", "date"),
        "role",
        ("pgy_level", "integer"),
        "department",
        "specialty",
        "program",
        "title",
    ),
    primary_key=("worker_id", "effective_date"),
)

DEMOGRAPHICS = StreamContract(
    feed="hr",
    name="demographics",
    description=(
        "Self-reported demographics, for the equity audit only: dbt keeps them in the "
        "restricted schema, and the matching engine never reads them."
    ),
    columns=columns(
        "worker_id",
        "gender",
        "race_ethnicity",
        ("underrepresented_in_medicine", "boolean"),
        ("first_generation", "boolean"),
    ),
    primary_key=("worker_id",),
)

GENDERS = ("woman", "man", "nonbinary", "undisclosed")
RACE_ETHNICITIES = (
    "asian",
    "black",
    "hispanic_latino",
    "native_american",
    "pacific_islander",
    "white",
    "multiracial",
    "undisclosed",
)

CONTRACTS = [WORKERS, JOB_HISTORY, DEMOGRAPHICS]
