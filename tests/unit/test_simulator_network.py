"""The simulated network is 40 institutions, each with its own departments and programs."""

from __future__ import annotations

import re
from collections import Counter

from simulator.institution import DEPARTMENTS, generate

SITE = re.compile(r" \(Site (\d\d)\)$")


def test_every_institution_of_the_network_has_its_own_departments_chairs_and_programs():
    network = generate(scale="network")
    day = network.as_of
    departments = {p.department for p in network.people}
    assert len(departments) == 40 * len(DEPARTMENTS)

    leaders = Counter(
        (p.department, p.role_on(day).role)
        for p in network.people
        if p.role_on(day) and p.role_on(day).role in ("chair", "vice_chair")
    )
    assert set(leaders.values()) == {1}
    assert len(leaders) == 2 * len(departments)

    for person in network.people:
        role = person.role_on(day)
        site = SITE.search(person.department)
        assert site, person.department
        if role and role.role in ("resident", "fellow"):
            # a resident's program belongs to their own institution, so peer mentoring does
            program_site = SITE.search(role.program)
            assert program_site and program_site.group(1) == site.group(1), (person, role)


def test_a_single_institution_keeps_plain_names():
    institution = generate(scale="small")
    assert not any(SITE.search(p.department) for p in institution.people)
    assert {p.department for p in institution.people} == {d[0] for d in DEPARTMENTS}
