"""The simulated vendors re-read or recompute only what changed, and serve what they kept
exactly as they computed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulator.institution import generate
from simulator.program import generate_program
from simulator.servers import msgraph
from simulator.servers.redcap import RedcapServer


def test_a_reading_stands_until_a_survey_row_is_edited_added_or_removed():
    program = generate_program(generate(scale="tiny"))
    server = RedcapServer(program)
    first = server._read(refresh=True)

    assert server._read(refresh=True) is first  # nothing changed: not read again

    row = next(r for r in program.surveys if r.stream == "satisfaction_ratings")
    original = row.fields["rating"]
    row.fields["rating"] = 1 if original != 1 else 2  # edited in place, as a test does
    by_record, modified = server._read(refresh=True)
    assert (by_record, modified) != first
    assert modified[row.record_id] > first[1][row.record_id]  # modified now
    unchanged = {k for k in modified if k != row.record_id}
    assert {k: modified[k] for k in unchanged} == {k: first[1][k] for k in unchanged}

    second = server._read(refresh=True)
    program.surveys.append(program.surveys.pop())  # the same rows, in the same order
    assert server._read(refresh=True) is second
    removed = program.surveys.pop()
    assert server._read(refresh=True) is not second
    program.surveys.append(removed)


def test_the_simulated_graph_serves_a_kept_schedule_as_it_computed_it(monkeypatch):
    """Beyond SCHEDULES_KEPT the simulated Graph keeps schedules compressed (a network's
    mailboxes): what it serves from there is what it computed."""
    program = generate_program(generate(scale="tiny"))
    mailboxes = [m.email for m in program.mentors][:6]
    start = datetime.combine(program.inst.as_of, datetime.min.time(), UTC)
    window = (start, start + timedelta(days=36), 30, ("UTC", UTC))
    computed = [msgraph.MsGraphServer(program)._entry(e, *window) for e in mailboxes]
    assert any('"scheduleItems":[{' in text for text in computed)

    monkeypatch.setattr(msgraph, "SCHEDULES_KEPT", 2)
    server = msgraph.MsGraphServer(program)
    assert [server._entry(e, *window) for e in mailboxes] == computed
    kept = list(server._schedules.values())
    assert [isinstance(v, bytes) for v in kept] == [False, False, True, True, True, True]
    assert [server._entry(e, *window) for e in mailboxes] == computed  # served from the store
