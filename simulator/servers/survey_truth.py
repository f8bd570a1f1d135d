"""What the survey simulators (REDCap, Qualtrics) share: submissions, and when each changed.

``program.surveys`` holds one vendor-neutral row per contract row; a confidence
survey response is thirteen of them (one per Likert item). :func:`submissions`
regroups them into what a respondent actually submitted: one form instance
(REDCap) or one response (Qualtrics), with the Likert answers under ``answers``.

Vendors filter incremental exports by when data was created or modified, so the
servers need that time. :class:`ChangeClock` fingerprints the truth on every
request: a key seen for the first time when the server starts takes its own
submission time; a key that appears or changes while the server runs takes the
server's clock. A test that edits ``program.surveys`` between two syncs thereby
makes exactly that record "modified now". A server asks first whether the truth changed
at all (one digest of every row, :meth:`ChangeClock.truth_changed`): a real vendor answers
"modified since" from its own log, and regrouping and fingerprinting every record for each
sync made the simulated REDCap's CPU most of a daily refresh's REDCap sync (it shares the
bench's cores with the platform).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integrations.common.schema import sorted_json
from simulator.program import Program

CONFIDENCE = "confidence_answers"
DIGEST_ROWS = 20_000  # rows encoded at a time for the truth's digest (bounded memory)


@dataclass
class Submission:
    stream: str
    record_id: str  # whose record it is (the respondent, or the mentor for mentor forms)
    response_id: str
    submitted_at: datetime
    fields: dict[str, Any]  # contract columns; confidence: response-level ones + ``answers``


def submissions(program: Program) -> list[Submission]:
    """The program's survey rows as submissions, in program order."""
    out: list[Submission] = []
    confidence: dict[str, Submission] = {}
    for row in program.surveys:
        if row.stream != CONFIDENCE:
            out.append(
                Submission(row.stream, row.record_id, row.response_id, row.submitted_at, row.fields)
            )
            continue
        sub = confidence.get(row.response_id)
        if sub is None:
            fields = {k: v for k, v in row.fields.items() if k not in ("item_id", "answer")}
            sub = Submission(
                row.stream, row.record_id, row.response_id, row.submitted_at, {**fields}
            )
            sub.fields["answers"] = {}
            confidence[row.response_id] = sub
            out.append(sub)
        sub.fields["answers"][row.fields["item_id"]] = row.fields["answer"]
    return out


def truth_digest(program: Program) -> bytes:
    """One digest of every survey row as it stands (rows added, removed or edited in place
    change it). SHA-256: the fastest of hashlib's here, with the CPU's SHA instructions."""
    digest = hashlib.sha256()
    rows = program.surveys
    for start in range(0, len(rows), DIGEST_ROWS):
        digest.update(sorted_json(rows[start : start + DIGEST_ROWS]))
    return digest.digest()


class ChangeClock:
    """Last created-or-modified time per key, found by fingerprinting the truth.

    ``snapshot`` returns ``{key: (time the key was first submitted, content)}``;
    ``program`` is the truth it is taken from (for :meth:`truth_changed`).
    """

    def __init__(
        self, snapshot: Callable[[], dict[Any, tuple[datetime, Any]]], program: Program
    ) -> None:
        self._snapshot = snapshot
        self._program = program
        self._truth: bytes | None = None
        self._lock = threading.Lock()
        self._seen: dict[Any, tuple[bytes, datetime]] = {
            key: (sorted_json(content), first) for key, (first, content) in snapshot().items()
        }

    def truth_changed(self) -> bool:
        """Whether any survey row differs from when this was last asked (True the first
        time): when not, what the server derived from the truth then still holds."""
        digest = truth_digest(self._program)
        with self._lock:
            changed, self._truth = digest != self._truth, digest
        return changed

    def modified(
        self, current: dict[Any, tuple[datetime, Any]] | None = None
    ) -> dict[Any, datetime]:
        """Every key's last change, after noticing edits made since the last call.

        ``current`` is a snapshot the caller has just taken (else the clock takes one).
        """
        now = datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            current = self._snapshot() if current is None else current
            for key, (_, content) in current.items():
                digest = sorted_json(content)
                seen = self._seen.get(key)
                if seen is None or seen[0] != digest:
                    self._seen[key] = (digest, now)
            return {key: self._seen[key][1] for key in current}
