"""A Qualtrics API v3 (survey definitions, response exports) over the program's surveys.

One survey per stream (:data:`SURVEY_IDS`), laid out as ``integrations.qualtrics``
expects: question ``DataExportTag``s name the contract columns, choices carry
``VariableNaming`` codes, the confidence survey is one Likert matrix whose rows'
``ChoiceDataExportTags`` are the item ids, embedded data ``worker_id``, ``quarter``,
``contract_id``. Quirks reproduced:

- header ``X-API-TOKEN``; every JSON answer wrapped ``{result, meta: {httpStatus,
  requestId}}``; errors as ``meta.error {errorCode, errorMessage}`` (401 for a bad token,
  404 for an unknown survey or export, 400 for a bad request body);
- the export is a job: ``POST .../export-responses`` -> ``progressId``; the first poll
  says ``inProgress`` (50 %), the next ``complete`` with a ``fileId``; the file is a zip
  holding ``<survey name>.json`` with ``responses[]{responseId, values, labels}``;
- ``startDate`` filters on ``recordedDate``: a response's submission time, or the
  server's clock if the program changed it while the server ran (re-recorded);
- unanswered questions are left out of ``values``; choice answers are recode values
  (lists for multiple answer), text answers ``QIDn_TEXT``, matrix rows ``QIDn_<row>``;
- ``fail_exports = True`` makes every export job end ``failed``.
Content faults: ``duplicate_page`` puts the first responses in the file twice;
``drift_added`` adds embedded data ``survey_version``; ``drift_renamed`` /
``drift_missing`` rename (``_v2``) or drop the required embedded field
(:data:`DRIFT_FIELDS`: the respondent, or the contract id on the deliverable form).
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

from simulator.program import ACTIVITY_TYPES, CONFIDENCE_ITEMS, INTEREST_TAGS, TIERS, Program
from simulator.servers.base import Fault, Request, Response, SimServer
from simulator.servers.survey_truth import ChangeClock, Submission, submissions

SURVEY_IDS = {
    "confidence_answers": "SV_0Vq3ConfQtrly26",
    "satisfaction_ratings": "SV_4Hk9MentorSat26",
    "activity_logs": "SV_8Rw2ActivityLog",
    "mentor_contracts": "SV_2Lp7MentorCntr",
    "contract_deliverables": "SV_6Tn1CntrDelivr",
    "career_interests": "SV_9Bx5CareerIntr",
}
SURVEY_NAMES = {
    "confidence_answers": "Quarterly leadership confidence survey",
    "satisfaction_ratings": "Mentorship satisfaction",
    "activity_logs": "Mentor activity log",
    "mentor_contracts": "Mentorship contract",
    "contract_deliverables": "Mentorship contract deliverable",
    "career_interests": "Career interests and mentoring capacity",
}
EMBEDDED = {
    "confidence_answers": ["worker_id", "quarter"],
    "satisfaction_ratings": ["worker_id", "quarter"],
    "activity_logs": ["worker_id"],
    "mentor_contracts": ["worker_id"],
    "contract_deliverables": ["worker_id", "contract_id"],
    "career_interests": ["worker_id"],
}
DRIFT_FIELDS = {stream: "worker_id" for stream in SURVEY_IDS} | {
    "contract_deliverables": "contract_id"
}
LIKERT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
TIER_DISPLAY = ["Peer mentor (PGY-2/3)", "Senior attending mentor", "Department chair sponsor"]


def _te(tag: str, text: str) -> dict[str, Any]:
    return {"QuestionType": "TE", "Selector": "SL", "DataExportTag": tag, "QuestionText": text}


def _mc(
    tag: str, text: str, display: list[str], codes: list[str] | None, multi: bool = False
) -> dict[str, Any]:
    ids = [str(i) for i in range(1, len(display) + 1)]
    q: dict[str, Any] = {
        "QuestionType": "MC",
        "Selector": "MAVR" if multi else "SAVR",
        "SubSelector": "TX",
        "DataExportTag": tag,
        "QuestionText": text,
        "Choices": {i: {"Display": d} for i, d in zip(ids, display, strict=True)},
        "ChoiceOrder": ids,
    }
    if codes:
        q["VariableNaming"] = dict(zip(ids, codes, strict=True))
    return q


def _matrix() -> dict[str, Any]:
    ids = [str(i) for i in range(1, len(CONFIDENCE_ITEMS) + 1)]
    return {
        "QuestionType": "Matrix",
        "Selector": "Likert",
        "SubSelector": "SingleAnswer",
        "DataExportTag": "Q1",
        "QuestionText": "How confident are you today in ...",
        "Choices": {
            i: {"Display": f"{dim.replace('_', ' ')} ({item})"}
            for i, (item, dim) in zip(ids, CONFIDENCE_ITEMS.items(), strict=True)
        },
        "ChoiceOrder": ids,
        "ChoiceDataExportTags": dict(zip(ids, CONFIDENCE_ITEMS, strict=True)),
        "Answers": {str(i): {"Display": d} for i, d in enumerate(LIKERT, 1)},
        "AnswerOrder": list(range(1, 6)),
    }


QUESTIONS: dict[str, list[dict[str, Any]]] = {
    "confidence_answers": [_matrix()],
    "satisfaction_ratings": [
        _te("mentor_id", "Your mentor's worker id"),
        _mc("tier", "Which mentor are you rating?", TIER_DISPLAY, TIERS),
        _mc("rating", "Overall satisfaction", ["1", "2", "3", "4", "5"], None),
        _te("comments", "Comments"),
    ],
    "activity_logs": [
        _te("mentee_id", "Mentee's worker id"),
        _mc(
            "activity_type",
            "Activity",
            [t.replace("_", " ") for t in ACTIVITY_TYPES],
            ACTIVITY_TYPES,
        ),
        _te("activity_date", "Date (YYYY-MM-DD)"),
        _te("minutes", "Minutes"),
        _te("notes", "Notes"),
    ],
    "mentor_contracts": [
        _te("mentee_id", "Mentee's worker id"),
        _mc("tier", "Tier", TIER_DISPLAY, TIERS),
        _te("signed_on", "Signed on (YYYY-MM-DD)"),
        _te("start_date", "Start (YYYY-MM-DD)"),
        _te("end_date", "End (YYYY-MM-DD)"),
        _mc(
            "status",
            "Status",
            ["Draft", "Active", "Completed", "Terminated"],
            ["draft", "active", "completed", "terminated"],
        ),
    ],
    "contract_deliverables": [
        _te("description", "Deliverable"),
        _te("due_date", "Due (YYYY-MM-DD)"),
        _te("completed_on", "Completed on (YYYY-MM-DD)"),
    ],
    "career_interests": [
        _mc("respondent_role", "I answer as a", ["Mentee", "Mentor"], ["mentee", "mentor"]),
        _mc(
            "tags",
            "Interests / expertise",
            [t.replace("_", " ") for t in INTEREST_TAGS],
            INTEREST_TAGS,
            multi=True,
        ),
        _te("capacity", "How many mentees can you take?"),
    ],
}


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


class QualtricsServer(SimServer):
    name = "qualtrics"
    conn_id = "qualtrics_default"

    def __init__(self, program: Program, token: str = "qPx7TmV2ZkR9sLw4NcY8aJd3FhB6gU1e") -> None:
        super().__init__()
        self.program = program
        self.token = token
        self.fail_exports = False
        self.jobs: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.clock = ChangeClock(self._snapshot, program)
        self._recorded: dict[tuple[str, str], datetime] | None = None

    def connection(self) -> dict[str, Any]:
        return {
            "conn_type": "http",
            "host": self.url,
            "password": self.token,
            "extra": {"surveys": dict(SURVEY_IDS), "poll_interval": 0.05, "max_polls": 20},
        }

    def _snapshot(self) -> dict[tuple[str, str], tuple[datetime, Any]]:
        return {
            (s.stream, s.response_id): (s.submitted_at + timedelta(seconds=1), s.fields)
            for s in submissions(self.program)
        }

    # -- envelope -------------------------------------------------------------------------

    def _ok(self, result: dict[str, Any]) -> Response:
        return Response.json(
            {"result": result, "meta": {"httpStatus": "200 - OK", "requestId": str(uuid.uuid4())}}
        )

    def _error(self, status: int, http: str, code: str, message: str) -> Response:
        return Response.json(
            {
                "meta": {
                    "httpStatus": http,
                    "requestId": str(uuid.uuid4()),
                    "error": {"errorCode": code, "errorMessage": message},
                }
            },
            status,
        )

    def throttle_response(self, fault: Fault) -> Response:
        response = self._error(
            429, "429 - Too Many Requests", "TOO_MANY_REQUESTS", "Too many requests"
        )
        response.headers["Retry-After"] = str(fault.retry_after)
        return response

    # -- routes ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if headers.get("x-api-token") != self.token:
            return self._error(401, "401 - Unauthorized", "AUTH_1", "Invalid X-API-TOKEN.")
        path = request.path
        if m := re.fullmatch(r"/API/v3/survey-definitions/([\w]+)", path):
            stream = self._stream(m[1])
            return self._ok(self._definition(stream)) if stream else self._not_found("survey")
        m = re.fullmatch(r"/API/v3/surveys/([\w]+)/export-responses(?:/([\w-]+))?(/file)?", path)
        stream = self._stream(m[1]) if m else None
        if not m or not stream:
            return self._not_found("survey")
        if request.method == "POST" and not m[2]:
            return self._start(stream, m[1], request)
        if request.method == "GET" and m[2] and m[3]:
            body = self.files.get(m[2])
            if body is None:
                return self._not_found("file")
            return Response(200, body, {"Content-Type": "application/zip"})
        if request.method == "GET" and m[2]:
            return self._progress(m[2])
        return self._not_found("resource")

    def _stream(self, survey_id: str) -> str | None:
        return next((s for s, sid in SURVEY_IDS.items() if sid == survey_id), None)

    def _not_found(self, what: str) -> Response:
        return self._error(
            404, "404 - Not Found", "GS_1", f"The requested {what} could not be found."
        )

    def _definition(self, stream: str) -> dict[str, Any]:
        questions = {}
        for n, q in enumerate(QUESTIONS[stream], 1):
            qid = f"QID{n}"
            questions[qid] = {**q, "QuestionID": qid}
        return {
            "SurveyID": SURVEY_IDS[stream],
            "SurveyName": SURVEY_NAMES[stream],
            "SurveyStatus": "Active",
            "Questions": questions,
            "SurveyFlow": {
                "Type": "Root",
                "Flow": [
                    {
                        "Type": "EmbeddedData",
                        "FlowID": "FL_1",
                        "EmbeddedData": [
                            {"Field": f, "Type": "Recipient", "VariableType": "String"}
                            for f in EMBEDDED[stream]
                        ],
                    },
                    {"Type": "Standard", "ID": "BL_1", "FlowID": "FL_2"},
                ],
            },
        }

    def _start(self, stream: str, survey_id: str, request: Request) -> Response:
        body = request.json if isinstance(request.json, dict) else None
        if body is None or body.get("format") not in ("json", "ndjson"):
            return self._error(400, "400 - Bad Request", "RCE_1", "format must be json here")
        start = body.get("startDate")
        try:
            since = datetime.fromisoformat(start) if start else None
        except ValueError:
            return self._error(400, "400 - Bad Request", "RCE_2", f"Invalid startDate: {start}")
        if self.clock.truth_changed() or self._recorded is None:
            self._recorded = self.clock.modified()
        recorded = self._recorded
        responses = []
        for sub in submissions(self.program):
            when = recorded[(sub.stream, sub.response_id)]
            if sub.stream == stream and (since is None or when >= since):
                responses.append(self._response(stream, sub, when))
        if self.content_fault("duplicate_page", request.path):
            responses += responses[:3]  # some responses served twice
        progress_id = f"ES_{uuid.uuid4().hex[:15]}"
        file_id = f"{uuid.uuid4()}-def"
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{SURVEY_NAMES[stream]}.json", json.dumps({"responses": responses}))
        self.jobs[progress_id] = {"survey": survey_id, "polls": 0, "file_id": file_id}
        self.files[file_id] = archive.getvalue()
        return self._ok({"progressId": progress_id, "percentComplete": 0.0, "status": "inProgress"})

    def _progress(self, progress_id: str) -> Response:
        job = self.jobs.get(progress_id)
        if job is None:
            return self._not_found("export")
        job["polls"] += 1
        if self.fail_exports:
            return self._ok(
                {
                    "percentComplete": 0.0,
                    "status": "failed",
                    "error": {"errorCode": "RE_EXPORT_FAILED", "errorMessage": "Export failed"},
                }
            )
        if job["polls"] < 2:
            return self._ok({"percentComplete": 50.0, "status": "inProgress"})
        return self._ok({"fileId": job["file_id"], "percentComplete": 100.0, "status": "complete"})

    # -- a response in Qualtrics' shape ---------------------------------------------------

    def _response(self, stream: str, sub: Submission, recorded: datetime) -> dict[str, Any]:
        fields = sub.fields
        values: dict[str, Any] = {
            "startDate": _iso(sub.submitted_at - timedelta(seconds=240)),
            "endDate": _iso(sub.submitted_at),
            "status": 0,
            "ipAddress": "10.20.30.40",
            "progress": 100,
            "duration": 240,
            "finished": 1,
            "recordedDate": _iso(recorded),
            "_recordId": sub.response_id,
            "locationLatitude": "36.1447",
            "locationLongitude": "-86.8027",
            "distributionChannel": "email",
            "userLanguage": "EN",
        }
        labels: dict[str, Any] = {"status": "IP Address", "finished": "True"}
        embedded = {"worker_id": sub.record_id, **fields}
        for name in EMBEDDED[stream]:
            values[name] = _text(embedded.get(name) or "")
        for n, q in enumerate(QUESTIONS[stream], 1):
            qid = f"QID{n}"
            if q["QuestionType"] == "Matrix":
                rows = {tag: cid for cid, tag in q["ChoiceDataExportTags"].items()}
                for item, answer in fields["answers"].items():
                    values[f"{qid}_{rows[item]}"] = answer
                    labels[f"{qid}_{rows[item]}"] = LIKERT[answer - 1]
                continue
            value = fields.get(q["DataExportTag"])
            if value in (None, ""):
                continue  # unanswered: Qualtrics leaves it out
            if q["QuestionType"] == "TE":
                values[f"{qid}_TEXT"] = _text(value)
                continue
            choice_of = {code: int(cid) for cid, code in q.get("VariableNaming", {}).items()}
            if q["Selector"] == "MAVR":
                values[qid] = sorted(choice_of[t] for t in str(value).split(";"))
                labels[qid] = [q["Choices"][str(c)]["Display"] for c in values[qid]]
            else:
                values[qid] = choice_of.get(str(value), value)
                labels[qid] = q["Choices"][str(values[qid])]["Display"]
        return self._drift(
            stream, {"responseId": sub.response_id, "values": values, "labels": labels}
        )

    def _drift(self, stream: str, response: dict[str, Any]) -> dict[str, Any]:
        values = response["values"]
        target = DRIFT_FIELDS[stream]
        if self.has_fault("drift_added"):
            values["survey_version"] = "2"
        if target in values and self.has_fault("drift_renamed"):
            values[target + "_v2"] = values.pop(target)
        elif target in values and self.has_fault("drift_missing"):
            values.pop(target)
        return response
