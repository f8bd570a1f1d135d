"""A synthetic academic medical center, generated from a seed and a scale.

The same seed, scale and ``as_of`` date always give the same institution, byte
for byte, so the demo, the tests and the benchmarks agree on what the truth is.
Tests compare the warehouse against this truth (``expected_stage`` and friends),
computed here in plain Python, independently of dbt.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

DEFAULT_SEED = 20261001
DEFAULT_AS_OF = date(2026, 9, 30)

# (department, residency program, program length in years, faculty specialties)
DEPARTMENTS: list[tuple[str, str, int, list[str]]] = [
    (
        "Internal Medicine",
        "Internal Medicine Residency",
        3,
        ["General Internal Medicine", "Cardiology", "Nephrology", "Gastroenterology", "Oncology"],
    ),
    (
        "Surgery",
        "General Surgery Residency",
        5,
        ["General Surgery", "Vascular Surgery", "Surgical Oncology", "Trauma Surgery"],
    ),
    (
        "Pediatrics",
        "Pediatrics Residency",
        3,
        ["General Pediatrics", "Neonatology", "Pediatric Cardiology"],
    ),
    ("Emergency Medicine", "Emergency Medicine Residency", 3, ["Emergency Medicine", "Toxicology"]),
    (
        "Psychiatry",
        "Psychiatry Residency",
        4,
        ["Adult Psychiatry", "Child and Adolescent Psychiatry"],
    ),
    (
        "Radiology",
        "Diagnostic Radiology Residency",
        5,
        ["Diagnostic Radiology", "Interventional Radiology", "Neuroradiology"],
    ),
    (
        "Anesthesiology",
        "Anesthesiology Residency",
        4,
        ["General Anesthesiology", "Pain Medicine", "Critical Care"],
    ),
    ("Neurology", "Neurology Residency", 4, ["General Neurology", "Stroke", "Epilepsy"]),
]

SCALES: dict[str, dict[str, int]] = {
    "tiny": {"residents": 24, "fellows": 4, "faculty": 24, "institutions": 1},
    "small": {"residents": 120, "fellows": 20, "faculty": 150, "institutions": 1},
    "institution": {"residents": 2500, "fellows": 300, "faculty": 3000, "institutions": 1},
    "network": {"residents": 2500, "fellows": 300, "faculty": 3000, "institutions": 40},
}

FIRST_NAMES = (
    "Aaliyah Adebayo Aiko Alejandro Amara Ananya Andrea Arjun Beatriz Benjamin Camila Chen Chloe "
    "Daniel Deepa Diego Elena Elijah Emeka Fatima Gabriel Grace Hana Hassan Imani Isabel Jamal "
    "Javier Jin Kofi Laila Lucas Mai Malik Maria Mateo Mei Miguel Nadia Noah Nia Olivia Omar "
    "Priya Rafael Rosa Samir Sara Sofia Tariq Thanh Tomas Valentina Wei Yara Yusuf Zara"
).split()
LAST_NAMES = (
    "Abadi Adeyemi Alvarez Anderson Bakr Banerjee Bennett Castillo Chang Chowdhury Cohen Diaz "
    "Dubois Eze Fernandez Fischer Garcia Goldberg Gupta Haddad Hernandez Hoang Ibrahim Ito "
    "Jackson Johansson Kaur Kim Kowalski Lee Lopez Mahmoud Martin Mensah Meyer Moreno Nakamura "
    "Nguyen Novak Okafor Olsen Patel Perez Quinn Rahman Reyes Rossi Sato Schmidt Shah Silva "
    "Singh Suzuki Tanaka Torres Ueda Vargas Wang Williams Yilmaz Zhang"
).split()


@dataclass(frozen=True)
class Role:
    effective_date: date
    role: str
    pgy_level: int | None
    department: str
    specialty: str
    program: str
    title: str


@dataclass
class Person:
    worker_id: str
    first_name: str
    last_name: str
    email: str
    department: str
    specialty: str
    program: str
    hire_date: date
    termination_date: date | None
    history: list[Role] = field(default_factory=list)

    def role_on(self, day: date) -> Role | None:
        current = None
        for role in self.history:
            if role.effective_date <= day:
                current = role
        return current

    def attending_since(self) -> date | None:
        for role in self.history:
            if role.role in FACULTY_ROLES:
                return role.effective_date
        return None


FACULTY_ROLES = ("attending", "division_chief", "vice_chair", "chair")


@dataclass
class Institution:
    seed: int
    scale: str
    as_of: date
    people: list[Person]
    # Self-reported demographics per worker id (equity audit only; never a matching input).
    demographics: dict[str, dict[str, object]] = field(default_factory=dict)

    def by_id(self) -> dict[str, Person]:
        return {p.worker_id: p for p in self.people}

    def expected_stage(self, person: Person, as_of: date | None = None) -> str:
        """The blueprint stage, computed independently of dbt (tests compare the two)."""
        day = as_of or self.as_of
        role = person.role_on(day)
        if role is None:
            return "other"
        if role.role == "resident":
            return "resident"
        if role.role == "fellow":
            return "fellow"
        since = person.attending_since()
        if since is not None and day < _add_years(since, 5):
            return "early_career_attending"
        return "other"


def site_suffix(site: int, sites: int) -> str:
    """A network's institutions keep their own departments and programs: " (Site 07)"."""
    return f" (Site {site + 1:02d})" if sites > 1 else ""


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def academic_year_start(day: date) -> date:
    return date(day.year if day.month >= 7 else day.year - 1, 7, 1)


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, int] = {}

    def next(self) -> tuple[str, str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        stem = f"{first}.{last}".lower()
        n = self.used.get(stem, 0)
        self.used[stem] = n + 1
        email = f"{stem}{n if n else ''}@example-health.org"
        return first, last, email


def generate(
    seed: int = DEFAULT_SEED, scale: str = "small", as_of: date = DEFAULT_AS_OF
) -> Institution:
    """Build the institution; ``scale`` is tiny (fault tests), small, institution or network."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    size = SCALES[scale]
    rng = random.Random(f"{seed}/{scale}/{as_of.isoformat()}")
    names = _Names(rng)
    people: list[Person] = []
    next_id = iter(range(100001, 10_000_000))
    year_start = academic_year_start(as_of)

    sites = size["institutions"]
    for i in range(size["residents"] * sites):
        dept, program, length, specialties = DEPARTMENTS[i % len(DEPARTMENTS)]
        where = site_suffix(i // size["residents"], sites)
        dept, program = dept + where, program + where
        pgy = 1 + (i // len(DEPARTMENTS)) % length
        start = date(year_start.year - (pgy - 1), 7, 1)
        first, last, email = names.next()
        person = Person(
            f"W{next(next_id)}",
            first,
            last,
            email,
            dept,
            specialties[0],
            program,
            start - timedelta(days=rng.randint(7, 20)),
            None,
        )
        person.history = [
            Role(
                date(start.year + k, 7, 1),
                "resident",
                k + 1,
                dept,
                specialties[0],
                program,
                f"Resident Physician PGY-{k + 1}",
            )
            for k in range(pgy)
        ]
        if rng.random() < 0.03 and pgy > 1:  # a few residents left the program
            person.termination_date = year_start - timedelta(days=rng.randint(1, 200))
        people.append(person)

    for i in range(size["fellows"] * sites):
        dept, program, length, specialties = DEPARTMENTS[i % len(DEPARTMENTS)]
        where = site_suffix(i // size["fellows"], sites)
        dept, program = dept + where, program + where
        specialty = specialties[1 + i % (len(specialties) - 1)]
        fellow_year = 1 + i % 2
        residency_start = date(year_start.year - length - fellow_year + 1, 7, 1)
        first, last, email = names.next()
        person = Person(
            f"W{next(next_id)}",
            first,
            last,
            email,
            dept,
            specialty,
            f"{specialty} Fellowship{where}",
            residency_start - timedelta(days=14),
            None,
        )
        person.history = [
            Role(
                date(residency_start.year + k, 7, 1),
                "resident",
                k + 1,
                dept,
                specialties[0],
                program,
                f"Resident Physician PGY-{k + 1}",
            )
            for k in range(length)
        ] + [
            Role(
                date(residency_start.year + length + k, 7, 1),
                "fellow",
                length + k + 1,
                dept,
                specialty,
                f"{specialty} Fellowship{where}",
                f"Clinical Fellow PGY-{length + k + 1}",
            )
            for k in range(fellow_year)
        ]
        people.append(person)

    per_department = max(1, size["faculty"] // len(DEPARTMENTS))
    for site, (dept_name, _program, _length, specialties) in itertools.product(
        range(sites), DEPARTMENTS
    ):
        dept = dept_name + site_suffix(site, sites)
        for k in range(per_department):
            years = rng.choice([0, 1, 2, 3, 4]) if k % 3 == 0 else rng.randint(5, 30)
            if k in (0, 1):
                years = rng.randint(12, 30)  # chairs and vice chairs are senior
            start = date(year_start.year - years, 7, 1) + timedelta(days=rng.randint(0, 60))
            specialty = specialties[k % len(specialties)]
            first, last, email = names.next()
            person = Person(
                f"W{next(next_id)}",
                first,
                last,
                email,
                dept,
                specialty,
                "",
                start,
                None,
            )
            history = [Role(start, "attending", None, dept, specialty, "", "Attending Physician")]
            promoted = None
            if k == 0:
                promoted = ("chair", f"Chair of {dept}")
            elif k == 1:
                promoted = ("vice_chair", f"Vice Chair of {dept}")
            elif k in (2, 3) and years >= 8:
                promoted = ("division_chief", f"Chief, Division of {specialty}")
            if promoted:
                gap = rng.randint(4, max(4, years - 1))
                history.append(
                    Role(
                        date(start.year + gap, 7, 1),
                        promoted[0],
                        None,
                        dept,
                        specialty,
                        "",
                        promoted[1],
                    )
                )
            person.history = history
            if k > 3 and rng.random() < 0.08:
                person.termination_date = as_of - timedelta(days=rng.randint(30, 900))
                if person.termination_date < start:
                    person.termination_date = None
            people.append(person)
    return Institution(
        seed=seed, scale=scale, as_of=as_of, people=people, demographics=_demographics(people, seed)
    )


def _demographics(people: list[Person], seed: int) -> dict[str, dict[str, object]]:
    rng = random.Random(f"demographics/{seed}")
    genders = (["woman"] * 48) + (["man"] * 46) + (["nonbinary"] * 2) + (["undisclosed"] * 4)
    races = (
        ["white"] * 45
        + ["asian"] * 22
        + ["black"] * 9
        + ["hispanic_latino"] * 11
        + ["multiracial"] * 5
        + ["native_american"] * 1
        + ["pacific_islander"] * 1
        + ["undisclosed"] * 6
    )
    out: dict[str, dict[str, object]] = {}
    for person in people:
        race = rng.choice(races)
        out[person.worker_id] = {
            "worker_id": person.worker_id,
            "gender": rng.choice(genders),
            "race_ethnicity": race,
            "underrepresented_in_medicine": race
            in ("black", "hispanic_latino", "native_american", "pacific_islander"),
            "first_generation": rng.random() < 0.15,
        }
    return out
