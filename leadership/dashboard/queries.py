"""What the program-director dashboard shows, as SQL over the marts.

Every function here returns the DataFrame one part of the dashboard draws, so the
numbers on screen can be checked against the marts without a browser. Each query
runs in its own transaction under ``set local role bi_reader``: the dashboard reads
with the same rights a BI tool gets (schema ``marts`` only), whichever login the
warehouse URL names. Filters combine with AND; ``None`` means "all".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
import psycopg
from sqlalchemy import exc, text

from leadership import warehouse

READER_ROLE = "bi_reader"
TIERS = ("peer", "attending", "chair_sponsor")
DIMENSIONS = (
    "strategic_insight",
    "financial_acumen",
    "team_leadership",
    "governance_experience",
    "mentorship_engagement",
)
LRS_THRESHOLD = 70


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; ``None`` is "all"."""

    quarter: str
    cohort: str | None = None
    specialty: str | None = None
    program: str | None = None
    tier: str | None = None

    def params(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "cohort": self.cohort,
            "specialty": self.specialty,
            "program": self.program,
            "tier": self.tier,
        }


def read(query: str, params: dict[str, Any] | None = None, url: str | None = None) -> pd.DataFrame:
    """Run one query on the marts as ``bi_reader``; the result as a DataFrame."""
    try:
        with warehouse.transaction(url) as conn:
            conn.exec_driver_sql(f"set local role {READER_ROLE}")
            result = conn.execute(text(query), params or {})
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    except exc.ProgrammingError as error:
        if isinstance(error.orig, psycopg.errors.InsufficientPrivilege):
            user = warehouse.connection_params(url)["user"]
            raise warehouse.WarehouseError(
                f"the dashboard reads as role {READER_ROLE} and {user} cannot use it, or it "
                f"cannot read the marts: as the warehouse owner run `grant {READER_ROLE} to "
                f"{user}` (and `grant select on all tables in schema marts to {READER_ROLE}` "
                "when another role built the marts)"
            ) from None
        if isinstance(error.orig, psycopg.errors.UndefinedTable):
            raise warehouse.WarehouseError(
                "the marts are not built yet: run `leadership dbt build` (or `leadership demo`)"
            ) from None
        raise
    # numeric columns arrive as Decimal; charts and tables want floats
    for column in frame.columns:
        if any(isinstance(v, Decimal) for v in frame[column]):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


# Rows of fct_readiness_scores that pass the cohort, specialty, program and tier
# filters. A resident is "in" a mentor tier when a mentor assignment in that tier is
# in force (fct_current_assignments): the marts keep no assignment history by quarter.
_RESIDENTS = """
    select s.*, p.full_name
    from marts.fct_readiness_scores as s
    left join marts.dim_physicians as p on p.physician_id = s.resident_id
    where (cast(:cohort as text) is null or s.cohort = :cohort)
      and (cast(:specialty as text) is null or s.specialty = :specialty)
      and (cast(:program as text) is null or s.program = :program)
      and (cast(:tier as text) is null or s.resident_id in (
          select a.resident_id from marts.fct_current_assignments as a where a.tier = :tier))
"""


def options(url: str | None = None) -> dict[str, list[str]]:
    """The values each filter offers, newest quarter first."""
    found = read(
        "select 'quarter' as name, quarter as value from marts.fct_readiness_scores"
        " union select 'quarter', quarter from marts.fct_kpis"
        " union select 'cohort', cohort from marts.fct_readiness_scores"
        " union select 'specialty', specialty from marts.fct_readiness_scores"
        " union select 'program', program from marts.fct_readiness_scores",
        url=url,
    ).dropna()
    out = {
        name: sorted(found.value[found.name == name]) for name in ("cohort", "specialty", "program")
    }
    out["quarter"] = sorted(found.value[found.name == "quarter"], reverse=True)
    out["tier"] = list(TIERS)
    return out


def lrs_summary(f: Filters, url: str | None = None) -> pd.DataFrame:
    """One row: residents, scored, insufficient data, flagged and mean LRS in the quarter."""
    return read(
        f"""
        with r as ({_RESIDENTS})
        select count(*) as residents,
               count(lrs) as scored,
               count(*) filter (where readiness_status = 'insufficient_data') as insufficient_data,
               count(*) filter (where is_flagged) as flagged,
               round(avg(lrs), 1) as mean_lrs
        from r where quarter = :quarter
        """,
        f.params(),
        url,
    )


def lrs_distribution(f: Filters, url: str | None = None) -> pd.DataFrame:
    """Scored residents per 5-point LRS band (band = the band's lower edge) in the quarter."""
    return read(
        f"""
        with r as ({_RESIDENTS})
        select least(floor(lrs / 5) * 5, 95)::int as band,
               count(*) as residents,
               bool_and(lrs < {LRS_THRESHOLD}) as below_threshold
        from r where quarter = :quarter and lrs is not null
        group by 1 order by 1
        """,
        f.params(),
        url,
    )


def lrs_trend(f: Filters, url: str | None = None) -> pd.DataFrame:
    """Mean LRS and flagged residents per quarter (every quarter, up to the chosen one)."""
    return read(
        f"""
        with r as ({_RESIDENTS})
        select quarter,
               round(avg(lrs), 1) as mean_lrs,
               count(lrs) as scored,
               count(*) filter (where is_flagged) as flagged
        from r where quarter <= :quarter
        group by quarter order by quarter
        """,
        f.params(),
        url,
    )


def flagged_residents(f: Filters, url: str | None = None) -> pd.DataFrame:
    """Residents with LRS below 70 in the quarter, lowest first, with their weakest dimension."""
    weakest = " ".join(f"when '{d}' then {d}" for d in DIMENSIONS)
    return read(
        f"""
        with r as ({_RESIDENTS})
        select resident_id, full_name, program, specialty, cohort, pgy_level, lrs,
               weakest_dimension,
               case weakest_dimension {weakest} end as weakest_score
        from r where quarter = :quarter and is_flagged
        order by lrs, resident_id
        """,
        f.params(),
        url,
    )


def dimensions_by_cohort(f: Filters, url: str | None = None) -> pd.DataFrame:
    """Mean of each of the five dimensions and of LRS per cohort, in the quarter."""
    means = ", ".join(f"round(avg({d}), 1) as {d}" for d in DIMENSIONS)
    return read(
        f"""
        with r as ({_RESIDENTS})
        select cohort, count(*) as residents, {means}, round(avg(lrs), 1) as mean_lrs
        from r where quarter = :quarter
        group by cohort order by cohort
        """,
        f.params(),
        url,
    )


def kpis(f: Filters, url: str | None = None) -> pd.DataFrame:
    """fct_kpis rows of the quarter for the overall slice and each chosen filter's slice.

    The KPI marts slice by one attribute at a time, so a filter picks its slice
    (cohort, specialty, program, mentor tier) rather than narrowing the others.
    """
    return read(
        """
        select quarter, metric, unit, slice_type, slice_value, numerator, denominator, value
        from marts.fct_kpis
        where quarter = :quarter
          and ((slice_type = 'overall')
            or (slice_type = 'cohort' and slice_value = :cohort)
            or (slice_type = 'specialty' and slice_value = :specialty)
            or (slice_type = 'program' and slice_value = :program)
            or (slice_type = 'mentor_tier' and slice_value = :tier))
        order by case slice_type when 'overall' then 0 when 'cohort' then 1
                 when 'specialty' then 2 when 'program' then 3 else 4 end, metric
        """,
        f.params(),
        url,
    )


def match_quality(f: Filters, url: str | None = None) -> pd.DataFrame:
    """Per tier, the assignments in force: count, mean score and components, share notified."""
    return read(
        """
        select a.tier,
               count(*) as assignments,
               round(avg(a.score), 3) as mean_score,
               round(avg(a.interest), 3) as mean_interest,
               round(avg(a.availability), 3) as mean_availability,
               round(avg(a.past_success), 3) as mean_past_success,
               round(avg(a.notify::int), 3) as share_notified
        from marts.fct_current_assignments as a
        left join marts.dim_physicians as p on p.physician_id = a.resident_id
        where (cast(:tier as text) is null or a.tier = :tier)
          and (cast(:program as text) is null or a.program = :program)
          and (cast(:specialty as text) is null or p.specialty = :specialty)
          and (cast(:cohort as text) is null
               or 'entered ' || extract(year from p.residency_started_on)::int = :cohort)
        group by a.tier
        order by case a.tier when 'peer' then 1 when 'attending' then 2 else 3 end
        """,
        f.params(),
        url,
    )


def equity_audit(f: Filters, url: str | None = None) -> pd.DataFrame:
    """The equity audit of the quarter (institution-wide aggregates; tier filter applies)."""
    return read(
        """
        select tier, attribute, group_value, residents, matched_residents, match_rate,
               mean_score, impact_ratio, four_fifths_flag, is_suppressed
        from marts.fct_equity_audit
        where quarter = :quarter and (cast(:tier as text) is null or tier = :tier)
        order by case tier when 'peer' then 1 when 'attending' then 2 else 3 end,
                 attribute, group_value
        """,
        f.params(),
        url,
    )
