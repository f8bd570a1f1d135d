"""``leadership bench match``: the exact engine vs SciPy's LSA on the slot-expanded matrix."""

from __future__ import annotations

from datetime import date

import numpy as np
from scipy.optimize import linear_sum_assignment

from leadership.bench import Say, machine, median_time
from leadership.matching.engine import match_tier
from leadership.matching.greedy import greedy_tier
from leadership.matching.model import Mentor, Resident, Settings
from leadership.matching.scoring import score_tier


def matching_instance(
    scale: str, attending_capacity: int = 3
) -> tuple[list[Resident], list[Mentor]]:
    """Residents and mentors of the simulated institution, as the marts would give them."""
    from simulator.institution import generate
    from simulator.program import generate_program

    program = generate_program(generate(scale=scale))
    inst = program.inst
    day = inst.as_of
    tags: dict[tuple[str, str], frozenset[str]] = {}
    capacity: dict[str, int] = {}
    for record in program.survey_rows("career_interests"):
        f = record.fields
        tags[str(f["respondent_id"]), str(f["respondent_role"])] = frozenset(
            str(f["tags"]).split(";")
        )
        if f["capacity"] is not None:
            capacity[str(f["respondent_id"])] = int(f["capacity"])  # type: ignore[arg-type]
    ratings: dict[tuple[str, str], list[int]] = {}
    for record in program.survey_rows("satisfaction_ratings"):
        f = record.fields
        ratings.setdefault((str(f["mentor_id"]), str(f["tier"])), []).append(int(f["rating"]))
    rng = np.random.default_rng(7)
    residents, mentors = [], []
    for p in inst.people:
        role = p.role_on(day)
        if role is None or (p.termination_date and p.termination_date <= day):
            continue
        if role.role == "resident":
            residents.append(
                Resident(
                    p.worker_id,
                    role.program,
                    p.department,
                    p.specialty,
                    role.pgy_level,
                    tags.get((p.worker_id, "mentee"), frozenset()),
                )
            )
        tiers = []
        if role.role == "resident" and role.pgy_level in (2, 3):
            tiers.append(("peer", "resident", 1))
        if role.role in ("attending", "division_chief"):
            tiers.append(("attending", "attending", attending_capacity))
        if role.role in ("chair", "vice_chair"):
            tiers.append(("chair_sponsor", role.role, 5))
        for tier, mentor_role, default in tiers:
            given = ratings.get((p.worker_id, tier), [])
            mentors.append(
                Mentor(
                    p.worker_id,
                    tier,
                    role.program,
                    p.department,
                    p.specialty,
                    role.pgy_level if tier == "peer" else None,
                    mentor_role,
                    tags.get((p.worker_id, "mentor"), frozenset()),
                    float(rng.integers(0, 12)),
                    float(np.mean(given)) if given else None,
                    len(given),
                    default if tier != "peer" else capacity.get(p.worker_id, default),
                )
            )
    return residents, mentors


def lsa_on_expanded(
    tier: str, residents: list[Resident], mentors: list[Mentor], settings: Settings
) -> tuple[int, float]:
    """The obvious exact alternative: one LSA over every mentor slot, unmatched columns added."""
    residents = sorted(residents, key=lambda r: r.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    scores = score_tier(tier, residents, mentors, settings)
    columns = np.repeat(np.arange(len(mentors)), [m.capacity for m in mentors])
    everyone = np.arange(len(residents))
    eligible = scores.eligible_block(everyone, columns)
    big = float(len(residents) + 1)
    value = np.where(eligible, big + scores.score_block(everyone, columns), -np.inf)
    value = np.hstack([value, np.zeros((len(residents), len(residents)))])
    rows, cols = linear_sum_assignment(value, maximize=True)
    matched = [
        (r, c) for r, c in zip(rows, cols, strict=True) if c < columns.size and eligible[r, c]
    ]
    return len(matched), float(sum(scores.score(r, int(columns[c])) for r, c in matched))


# SciPy's LSA needs the slot-expanded matrix in memory (8 bytes a cell, plus the mask):
# past this many cells (about 18 GiB) the comparison is reported as not run.
LSA_CELLS = 2_000_000_000


def bench_match(scale: str = "institution", runs: int = 3, say: Say = print) -> str:
    say(f"building the {scale} instance from the simulator ...")
    residents, mentors = matching_instance(scale)
    settings = Settings()
    lines = [
        f"`leadership bench match --scale {scale} --runs {runs}` on {machine()}, "
        f"{date.today().isoformat()}; medians of {runs} runs.",
        "",
        f"{len(residents)} residents; mentors: "
        + ", ".join(f"{t} {sum(m.tier == t for m in mentors)}" for t in settings.tiers),
        "",
        "| tier | engine (s) | LSA on slot-expanded (s) | ratio | engine matched / score "
        "| LSA matched / score | greedy (s) | greedy matched / score | greedy gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tier in settings.tiers:
        tier_mentors = [m for m in mentors if m.tier == tier]
        say(f"{tier}: engine ...")
        engine_s, result = median_time(
            lambda t=tier, m=tier_mentors: match_tier(t, residents, m), runs
        )
        cells = len(residents) * (sum(m.capacity for m in tier_mentors) + len(residents))
        if cells <= LSA_CELLS:
            say(f"{tier}: LSA on the slot-expanded matrix ...")
            lsa_s, (lsa_n, lsa_total) = median_time(
                lambda t=tier, m=tier_mentors: lsa_on_expanded(t, residents, m, settings), runs
            )
            lsa = (f"{lsa_s:.2f}", f"{lsa_s / engine_s:.1f}x faster", f"{lsa_n} / {lsa_total:.3f}")
        else:
            lsa = (f"not run: {cells * 9 / 2**30:.0f} GiB matrix", "", "")
        say(f"{tier}: greedy ...")
        greedy_s, (g_n, g_total) = median_time(
            lambda t=tier, m=tier_mentors: greedy_tier(t, residents, m, settings), runs
        )
        gap = (result.exact_total - g_total) / result.exact_total * 100 if result.exact_total else 0
        lines.append(
            f"| {tier} | {engine_s:.2f} | {lsa[0]} | {lsa[1]} "
            f"| {len(result.matched)} / {result.exact_total:.3f} | {lsa[2]} "
            f"| {greedy_s:.2f} | {g_n} / {g_total:.3f} | {gap:.2f}% lower score"
            + (f", {len(result.matched) - g_n} fewer matched" if g_n < len(result.matched) else "")
            + " |"
        )
    return "\n".join(lines)
