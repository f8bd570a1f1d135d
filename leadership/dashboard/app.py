"""The program-director dashboard, a Streamlit script (``leadership dashboard`` serves it).

Program directors and deans filter by quarter, cohort, specialty, program and mentor
tier and see the readiness picture, the KPIs, match quality and the equity audit,
then take the quarterly CSV. Everything comes from ``queries`` (the marts, read as
``bi_reader``), cached for a few minutes so the page opens fast on a large
institution; this file only lays it out.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from leadership import warehouse
from leadership.dashboard import queries as q
from leadership.dashboard.labels import METRIC_LABELS, TIER_LABELS, label, metric_label, slice_label
from leadership.spreadsheet import csv_bytes

CACHE_SECONDS = 600
ALL = "All"


@st.cache_resource
def _url() -> str:
    return warehouse.warehouse_url()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load(what: str, url: str, **filters: str | None) -> pd.DataFrame:
    """One query's result, cached per filter combination for CACHE_SECONDS."""
    return getattr(q, what)(q.Filters(**filters), url)  # type: ignore[arg-type]


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def filter_options(url: str) -> dict[str, list[str]]:
    return q.options(url)


def choose(name: str, title: str, values: list[str], **kwargs: object) -> str | None:
    picked = st.sidebar.selectbox(title, [ALL, *values], key=name, **kwargs)  # type: ignore[arg-type]
    return None if picked == ALL else picked


def download(frame: pd.DataFrame, what: str, file_name: str) -> None:
    """A CSV button; whole numbers as 119 (not 119.0), the rest as the mart rounded them."""
    rows = (
        [int(v) if isinstance(v, float) and v.is_integer() else v for v in row]
        for row in frame.itertuples(index=False)
    )
    data = csv_bytes(list(frame.columns), rows)
    st.download_button(f"{what} (CSV)", data, file_name, "text/csv", key=file_name)


st.set_page_config(page_title="Leadership program dashboard", layout="wide")
url = _url()
opts = filter_options(url)
st.title("Program-director dashboard")
if not opts["quarter"]:
    st.warning("The marts hold no quarter yet: run `leadership dbt build` or `leadership demo`.")
    st.stop()

st.sidebar.header("Filters")
quarter = st.sidebar.selectbox("Quarter", opts["quarter"], key="quarter")
picked = {
    "quarter": quarter,
    "cohort": choose("cohort", "Cohort (residency start)", opts["cohort"]),
    "specialty": choose("specialty", "Specialty", opts["specialty"]),
    "program": choose("program", "Program", opts["program"]),
    "tier": choose(
        "tier", "Mentor tier", opts["tier"], format_func=lambda t: TIER_LABELS.get(t, t)
    ),
}
shown = ", ".join(f"{k} {v}" for k, v in picked.items() if v and k != "quarter")
st.caption(f"Quarter {quarter}; {shown or 'every resident'}. Read from the marts as bi_reader.")


def get(what: str) -> pd.DataFrame:
    return load(what, url, **picked)


# -- Leadership Readiness Score ---------------------------------------------------
st.header("Leadership Readiness Score")
summary = get("lrs_summary").iloc[0]
cols = st.columns(4)
cols[0].metric("Residents scored", int(summary.scored))
cols[1].metric("Mean LRS", "-" if pd.isna(summary.mean_lrs) else f"{summary.mean_lrs:.1f}")
cols[2].metric(f"Flagged below {q.LRS_THRESHOLD}", int(summary.flagged))
cols[3].metric("Insufficient data", int(summary.insufficient_data))

left, right = st.columns(2)
distribution = get("lrs_distribution")
below, above = f"below {q.LRS_THRESHOLD} (coaching)", f"{q.LRS_THRESHOLD} and above"
distribution["band_kind"] = distribution.below_threshold.map({True: below, False: above})
left.subheader("Distribution")
left.altair_chart(
    alt.Chart(distribution)
    .mark_bar()
    .encode(
        x=alt.X("band:O", title="LRS (5-point bands)"),
        y=alt.Y("residents:Q", title="Residents"),
        color=alt.Color(
            "band_kind:N",
            title=None,
            scale=alt.Scale(domain=[below, above], range=["#d62728", "#1f77b4"]),
        ),
        tooltip=["band", "residents"],
    ),
    width="stretch",
)
trend = get("lrs_trend")
right.subheader("Trend")
base = alt.Chart(trend).encode(x=alt.X("quarter:O", title="Quarter", axis=alt.Axis(labelAngle=0)))
right.altair_chart(
    alt.layer(
        base.mark_line(point=True).encode(
            y=alt.Y("mean_lrs:Q", title="Mean LRS", scale=alt.Scale(zero=False)),
            tooltip=["quarter", "mean_lrs", "scored", "flagged"],
        ),
        alt.Chart(pd.DataFrame({"y": [q.LRS_THRESHOLD]}))
        .mark_rule(strokeDash=[4, 4], color="#d62728")
        .encode(y="y:Q"),
    ),
    width="stretch",
)

st.header(f"Residents below {q.LRS_THRESHOLD}")
flagged = get("flagged_residents")
st.caption(f"{len(flagged)} resident(s) flagged for a coaching session, lowest LRS first.")
st.dataframe(flagged, hide_index=True, width="stretch")

st.header("Five dimensions per cohort")
cohorts = get("dimensions_by_cohort")
long = cohorts.melt(id_vars=["cohort"], value_vars=list(q.DIMENSIONS), var_name="dimension")
long["dimension"] = long["dimension"].map(label)
st.altair_chart(
    alt.Chart(long)
    .mark_bar()
    .encode(
        x=alt.X("dimension:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset="cohort:N",
        y=alt.Y("value:Q", title="Mean score (0-100)"),
        color=alt.Color("cohort:N", title="Cohort"),
        tooltip=["cohort", "dimension", "value"],
    ),
    width="stretch",
)
st.dataframe(cohorts, hide_index=True, width="stretch")

# -- KPIs -------------------------------------------------------------------------
st.header("KPIs")
kpis = get("kpis")
st.caption(
    "The KPI marts slice one attribute at a time: each chosen filter adds its slice "
    "next to the whole institution. Proportions are 0-1."
)
st.subheader("Whole institution")
overall = kpis[kpis.slice_type == "overall"].set_index("metric")["value"]
cards = [m for m in METRIC_LABELS if m in overall.index and m != "satisfaction_mean_rating"]
for row in range(0, len(cards), 4):
    for col, metric in zip(st.columns(4), cards[row : row + 4], strict=False):
        value = overall[metric]
        text = f"{value:.1%}" if metric.startswith(("retention", "mentorship")) else f"{value:.2f}"
        col.metric(METRIC_LABELS[metric], text)
order = {metric_label(m): i for i, m in enumerate(METRIC_LABELS)}
labelled = kpis.assign(
    kpi=kpis.metric.map(metric_label),
    slice=[slice_label(t, v) for t, v in zip(kpis.slice_type, kpis.slice_value, strict=True)],
)
kpi_table = labelled.pivot(index="kpi", columns="slice", values="value")
kpi_table = kpi_table.reindex(
    sorted(kpi_table.index, key=lambda k: order.get(k, len(order))),
    columns=list(dict.fromkeys(labelled.slice)),
)
st.subheader("By slice")
st.dataframe(kpi_table, width="stretch")
coverage = kpis[kpis.metric.str.startswith("mentorship_coverage_")].assign(
    tier=lambda d: d.metric.str.removeprefix("mentorship_coverage_").map(TIER_LABELS),
    slice=lambda d: [slice_label(t, v) for t, v in zip(d.slice_type, d.slice_value, strict=True)],
)
st.subheader("Mentorship coverage per tier")
st.altair_chart(
    alt.Chart(coverage)
    .mark_bar()
    .encode(
        x=alt.X("tier:N", title=None, sort=list(TIER_LABELS.values()), axis=alt.Axis(labelAngle=0)),
        xOffset="slice:N",
        y=alt.Y("value:Q", title="Residents with a mentor", axis=alt.Axis(format="%")),
        color=alt.Color("slice:N", title="Slice"),
        tooltip=["tier", "slice", "numerator", "denominator", "value"],
    ),
    width="stretch",
)

# -- Matching ---------------------------------------------------------------------
st.header("Mentor matching")
st.caption(
    "Match quality of the assignments in force (score = 0.5 interest + 0.3 availability "
    "+ 0.2 past success)."
)
matches = get("match_quality")
st.dataframe(matches, hide_index=True, width="stretch")

st.header("Equity audit")
st.caption(
    f"Institution-wide aggregates for {quarter} (groups under 5 residents suppressed); "
    "the four-fifths flag marks an impact ratio under 0.8 against the best-served group."
)
equity = get("equity_audit")
visible = equity[~equity.is_suppressed.astype(bool)]
if len(visible):
    st.altair_chart(
        alt.Chart(visible.assign(mentor_tier=visible.tier.map(TIER_LABELS)))
        .mark_bar()
        .encode(
            x=alt.X("group_value:N", title=None),
            xOffset=alt.XOffset("mentor_tier:N", sort=list(TIER_LABELS.values())),
            y=alt.Y("match_rate:Q", title="Match rate", axis=alt.Axis(format="%")),
            color=alt.Color(
                "mentor_tier:N",
                title="Mentor tier",
                sort=list(TIER_LABELS.values()),
                legend=alt.Legend(orient="bottom"),
            ),
            column=alt.Column("attribute:N", title=None),
            tooltip=[
                "tier",
                "attribute",
                "group_value",
                "residents",
                "match_rate",
                "impact_ratio",
                "four_fifths_flag",
            ],
        )
        .resolve_scale(x="independent"),
    )
st.dataframe(equity, hide_index=True, width="stretch")

# -- Downloads --------------------------------------------------------------------
st.header("Download")
st.caption("What is on screen, as CSV. The KPI file is the dean's office quarterly CSV.")
downloads = [
    (kpis, "Dean's office KPIs", "deans_office_kpis"),
    (flagged, "Flagged residents", "readiness_flags"),
    (cohorts, "Readiness by cohort", "readiness_by_cohort"),
    (matches, "Match quality", "match_quality"),
    (equity, "Equity audit", "equity_audit"),
]
for col, (frame, what, stem) in zip(st.columns(len(downloads)), downloads, strict=True):
    with col:
        download(frame, what, f"{stem}_{quarter}.csv")
