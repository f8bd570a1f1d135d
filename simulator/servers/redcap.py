"""A REDCap API (``POST /api/``) over the program's surveys and forms, with REDCap's quirks.

The project: one record per physician (``record_id`` = worker id, on the
non-repeating ``physician`` instrument) and six repeating instruments, each
enabled as a survey (``confidence_survey``, ``mentorship_satisfaction``,
``activity_log``, ``mentor_contract``, ``contract_deliverable``,
``career_interests``); see ``integrations.redcap`` for the field list.

- Form-encoded POST with the token in the body; a wrong token gets 403
  ``{"error": "You do not have permissions to use the API"}``, a bad parameter 400
  ``{"error": ...}`` (``returnFormat=json``).
- ``content=metadata`` (the data dictionary) and ``content=record`` (flat JSON, every
  value a string, radio answers as raw codes, checkboxes as ``<field>___<code>``
  ``"0"``/``"1"``), with ``records[]``, ``fields[]``, ``forms[]`` (``[]`` or ``[n]``),
  ``exportSurveyFields`` (``<form>_timestamp``, ``redcap_survey_identifier``),
  ``dateRangeBegin`` / ``dateRangeEnd`` (``YYYY-MM-DD HH:MM:SS``, server time: records
  created or modified in the range).
- Server time is America/Chicago, like many US academic REDCap servers.
- The server reads the program afresh (noticing edits made in place) for the data
  dictionary request a sync starts with, and for a request that exports without
  ``records[]`` (a record-id listing) unless a dictionary request read it less than
  ``SESSION_SECONDS`` ago; the record batches that follow are served from that reading,
  so a sync over thousands of records and six instruments costs one pass over the
  program, not one per instrument or batch.
- Exporting repeating instruments also returns each record's base row (blank
  ``redcap_repeat_instrument``); a few records carry a confidence survey still in
  progress (``confidence_survey_complete`` = 0, timestamp ``[not completed]``).
- Content faults: ``duplicate_page`` serves a record export's rows twice;
  ``drift_added`` adds a ``<prefix>_device`` field to every instrument;
  ``drift_renamed`` / ``drift_missing`` rename (``_v2``) or drop one required field
  per instrument (:data:`DRIFT_FIELDS`), in the records and the data dictionary.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from simulator.program import ACTIVITY_TYPES, CONFIDENCE_ITEMS, INTEREST_TAGS, TIERS, Program
from simulator.servers.base import Request, Response, SimServer
from simulator.servers.survey_truth import ChangeClock, Submission, submissions

SERVER_TZ = ZoneInfo("America/Chicago")
REDCAP_TIME = "%Y-%m-%d %H:%M:%S"
NO_PERMISSION = "You do not have permissions to use the API"
SESSION_SECONDS = 60.0  # a sync's listings follow its dictionary request within this

LIKERT = (
    "1, Strongly disagree | 2, Disagree | 3, Neither agree nor disagree | 4, Agree"
    " | 5, Strongly agree"
)
RATING = "1, Very dissatisfied | 2, Dissatisfied | 3, Neutral | 4, Satisfied | 5, Very satisfied"


def _choices(labels: list[str]) -> str:
    return " | ".join(f"{i}, {label}" for i, label in enumerate(labels, 1))


TIER_CHOICES = _choices(TIERS)
STATUS_CHOICES = _choices(["draft", "active", "completed", "terminated"])

# instrument -> the stream it holds
INSTRUMENTS = {
    "confidence_survey": "confidence_answers",
    "mentorship_satisfaction": "satisfaction_ratings",
    "activity_log": "activity_logs",
    "mentor_contract": "mentor_contracts",
    "contract_deliverable": "contract_deliverables",
    "career_interests": "career_interests",
}
# instrument -> [(field, type, label, choices, validation, contract column)]
FIELDS: dict[str, list[tuple[str, str, str, str, str, str | None]]] = {
    "physician": [("record_id", "text", "Worker ID", "", "", None)],
    "confidence_survey": [
        ("conf_response_id", "text", "Response id (@HIDDEN)", "", "", "response_id"),
        ("conf_quarter", "text", "Quarter (@HIDDEN)", "", "", "quarter"),
        *[
            (
                item,
                "radio",
                f"I am confident in my {dim.replace('_', ' ')} ({item})",
                LIKERT,
                "",
                None,
            )
            for item, dim in CONFIDENCE_ITEMS.items()
        ],
    ],
    "mentorship_satisfaction": [
        ("sat_response_id", "text", "Response id (@HIDDEN)", "", "", "response_id"),
        ("sat_mentor_id", "text", "Mentor worker id", "", "", "mentor_id"),
        ("sat_tier", "radio", "Mentor tier", TIER_CHOICES, "", "tier"),
        ("sat_quarter", "text", "Quarter (@HIDDEN)", "", "", "quarter"),
        ("sat_rating", "radio", "Overall satisfaction", RATING, "", "rating"),
        ("sat_comments", "notes", "Comments", "", "", "comments"),
    ],
    "activity_log": [
        ("log_id", "text", "Entry id (@HIDDEN)", "", "", "log_id"),
        ("log_mentee_id", "text", "Mentee worker id", "", "", "mentee_id"),
        ("log_type", "radio", "Activity", _choices(ACTIVITY_TYPES), "", "activity_type"),
        ("log_date", "text", "Date", "", "date_ymd", "activity_date"),
        ("log_minutes", "text", "Minutes", "", "integer", "minutes"),
        ("log_notes", "notes", "Notes", "", "", "notes"),
    ],
    "mentor_contract": [
        ("mc_contract_id", "text", "Contract id (@HIDDEN)", "", "", "contract_id"),
        ("mc_mentee_id", "text", "Mentee worker id", "", "", "mentee_id"),
        ("mc_tier", "radio", "Tier", TIER_CHOICES, "", "tier"),
        ("mc_signed_on", "text", "Signed on", "", "date_ymd", "signed_on"),
        ("mc_start_date", "text", "Start", "", "date_ymd", "start_date"),
        ("mc_end_date", "text", "End", "", "date_ymd", "end_date"),
        ("mc_status", "dropdown", "Status", STATUS_CHOICES, "", "status"),
    ],
    "contract_deliverable": [
        ("cd_deliverable_id", "text", "Deliverable id (@HIDDEN)", "", "", "deliverable_id"),
        ("cd_contract_id", "text", "Contract id", "", "", "contract_id"),
        ("cd_description", "text", "Deliverable", "", "", "description"),
        ("cd_due_date", "text", "Due", "", "date_ymd", "due_date"),
        ("cd_completed_on", "text", "Completed on", "", "date_ymd", "completed_on"),
    ],
    "career_interests": [
        ("ci_response_id", "text", "Response id (@HIDDEN)", "", "", "response_id"),
        (
            "ci_role",
            "radio",
            "I answer as a",
            _choices(["mentee", "mentor"]),
            "",
            "respondent_role",
        ),
        ("ci_tags", "checkbox", "Interests / expertise", _choices(INTEREST_TAGS), "", "tags"),
        ("ci_capacity", "text", "Mentees I can take", "", "integer", "capacity"),
    ],
}
# One required field per instrument that the drift faults rename or drop.
DRIFT_FIELDS = {
    "confidence_survey": "conf_quarter",
    "mentorship_satisfaction": "sat_mentor_id",
    "activity_log": "log_type",
    "mentor_contract": "mc_mentee_id",
    "contract_deliverable": "cd_contract_id",
    "career_interests": "ci_response_id",
}


def _label_codes(choices: str) -> dict[str, str]:
    return {
        label.strip(): code.strip()
        for code, _, label in (p.partition(",") for p in choices.split("|"))
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _server_time(value: datetime) -> str:
    return value.astimezone(SERVER_TZ).strftime(REDCAP_TIME)


class RedcapServer(SimServer):
    name = "redcap"
    conn_id = "redcap_default"

    def __init__(self, program: Program, token: str = "5F0C1D2E3B4A59687766554433221100") -> None:
        super().__init__()
        self.program = program
        self.token = token
        self.clock = ChangeClock(self._snapshot, program)
        self._view: tuple[dict[str, list[Submission]], dict[str, datetime]] | None = None
        self._session_started = -SESSION_SECONDS

    def connection(self) -> dict[str, Any]:
        return {
            "conn_type": "http",
            "host": self.url,
            "password": self.token,
            "extra": {"timezone": "America/Chicago", "batch_size": 100},
        }

    # -- the project's data ---------------------------------------------------------------

    def _by_record(self) -> dict[str, list[Submission]]:
        out: dict[str, list[Submission]] = {}
        for sub in submissions(self.program):
            out.setdefault(sub.record_id, []).append(sub)
        return dict(sorted(out.items()))

    def _snapshot(
        self, by_record: dict[str, list[Submission]] | None = None
    ) -> dict[str, tuple[datetime, Any]]:
        return {
            rid: (max(s.submitted_at for s in subs), [(s.stream, s.fields) for s in subs])
            for rid, subs in (self._by_record() if by_record is None else by_record).items()
        }

    def _fields(self, form: str) -> list[str]:
        names = []
        for name, ftype, _, choices, _, _ in FIELDS[form]:
            if ftype == "checkbox":
                names += [f"{name}___{code}" for code in _label_codes(choices).values()]
            else:
                names.append(name)
        return names

    def _instances(
        self, record_id: str, subs: list[Submission], forms: list[str]
    ) -> list[dict[str, str]]:
        """The record's repeating instances of the instruments in ``forms``, in their order."""
        rows = []
        for form, stream in INSTRUMENTS.items():
            if form not in forms:  # an export asks for one instrument: build only its rows
                continue
            mine = [s for s in subs if s.stream == stream]
            for n, sub in enumerate(mine, 1):
                rows.append(self._instance(record_id, form, n, sub))
            if form == "confidence_survey" and mine and int(record_id[1:]) % 5 == 0:
                rows.append(self._in_progress(record_id, len(mine) + 1))
        return rows

    def _instance(self, record_id: str, form: str, n: int, sub: Submission) -> dict[str, str]:
        row = {
            "record_id": record_id,
            "redcap_repeat_instrument": form,
            "redcap_repeat_instance": str(n),
            "redcap_survey_identifier": "",
            f"{form}_timestamp": _server_time(sub.submitted_at),
        }
        answers = sub.fields.get("answers", {})
        for name, ftype, _, choices, _, column in FIELDS[form]:
            value = answers.get(name) if column is None else sub.fields.get(column)
            if ftype == "checkbox":
                chosen = set((value or "").split(";"))
                for label, code in _label_codes(choices).items():
                    row[f"{name}___{code}"] = "1" if label in chosen else "0"
            elif ftype in ("radio", "dropdown"):
                # coded choices export their raw code; scales (Likert, rating) are their code
                row[name] = _label_codes(choices).get(_text(value), _text(value))
            else:
                row[name] = _text(value)
        row[f"{form}_complete"] = "2"
        return row

    def _in_progress(self, record_id: str, n: int) -> dict[str, str]:
        form = "confidence_survey"
        row = {name: "" for name in self._fields(form)}
        row.update(
            {
                "record_id": record_id,
                "redcap_repeat_instrument": form,
                "redcap_repeat_instance": str(n),
                "redcap_survey_identifier": "",
                f"{form}_timestamp": "[not completed]",
                "conf_response_id": f"CONF-DRAFT-{record_id}",
                "si_1": "3",
                "si_2": "4",
                f"{form}_complete": "0",
            }
        )
        return row

    # -- API ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or request.path.rstrip("/") != "/api":
            return Response.text("Not Found", 404, "text/html")
        if request.arg("token") != self.token:
            return Response.json({"error": NO_PERMISSION}, 403)
        content = request.arg("content")
        if request.arg("format", "xml") != "json":
            return Response.json({"error": "This simulator only exports format=json"}, 400)
        if content == "metadata":
            self._read(refresh=True)
            self._session_started = time.monotonic()
            return Response.json(self._metadata())
        if content == "record" and request.arg("action", "export") == "export":
            return self._export(request)
        return Response.json(
            {"error": f'The value of the parameter "content" ({content}) is not valid'}, 400
        )

    def _metadata(self) -> list[dict[str, str]]:
        rows = []
        for form, fields in FIELDS.items():
            mine = [self._meta(n, form, t, label, c, v) for n, t, label, c, v, _ in fields]
            rows += mine if form == "physician" else self._drift_metadata(form, mine)
        return rows

    def _meta(
        self, name: str, form: str, ftype: str, label: str, choices: str = "", validation: str = ""
    ) -> dict[str, str]:
        return {
            "field_name": name,
            "form_name": form,
            "section_header": "",
            "field_type": ftype,
            "field_label": label,
            "select_choices_or_calculations": choices,
            "field_note": "",
            "text_validation_type_or_show_slider_number": validation,
            "text_validation_min": "",
            "text_validation_max": "",
            "identifier": "",
            "branching_logic": "",
            "required_field": "",
            "custom_alignment": "",
            "question_number": "",
            "matrix_group_name": "confidence"
            if form == "confidence_survey" and ftype == "radio"
            else "",
            "matrix_ranking": "",
            "field_annotation": "@HIDDEN" if "@HIDDEN" in label else "",
        }

    def _drift_metadata(self, form: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        target = DRIFT_FIELDS[form]
        out = []
        for row in rows:
            if row["field_name"] == target and self.has_fault("drift_missing"):
                continue
            if row["field_name"] == target and self.has_fault("drift_renamed"):
                row = {**row, "field_name": target + "_v2"}
            out.append(row)
        if self.has_fault("drift_added"):
            out.append(self._meta(self._added_field(form), form, "text", "Device"))
        return out

    @staticmethod
    def _added_field(form: str) -> str:
        return DRIFT_FIELDS[form].split("_")[0] + "_device"

    def _export(self, request: Request) -> Response:
        forms = _array(request, "forms")
        fields = _array(request, "fields")
        records = _array(request, "records")
        unknown = [f for f in forms if f not in FIELDS]
        if unknown:
            return Response.json(
                {
                    "error": 'The following values in the parameter "forms" are not valid: '
                    f"'{', '.join(unknown)}'"
                },
                400,
            )
        try:
            begin = _parse_time(request.arg("dateRangeBegin"), "dateRangeBegin")
            end = _parse_time(request.arg("dateRangeEnd"), "dateRangeEnd")
        except ValueError as exc:
            return Response.json({"error": str(exc)}, 400)
        if not forms and not fields:
            forms = list(FIELDS)
        survey_fields = request.arg("exportSurveyFields", "false") == "true"
        in_session = time.monotonic() - self._session_started < SESSION_SECONDS
        by_record, modified = self._read(refresh=not records and not in_session)
        wanted = (
            [(r, by_record[r]) for r in sorted(set(records)) if r in by_record]
            if records
            else by_record.items()
        )
        rows: list[dict[str, str]] = []
        for record_id, subs in wanted:
            changed = modified[record_id]
            if (begin and changed <= begin) or (end and changed > end):
                continue
            rows.append(self._base_row(record_id, forms, fields, survey_fields))
            for instance in self._instances(record_id, subs, forms):
                form = instance["redcap_repeat_instrument"]
                rows.append(self._shape(instance, form, fields, survey_fields))
        if records and self.content_fault("duplicate_page", request.path):
            rows = rows + rows  # the batch served twice
        return Response.json(rows)

    def _read(self, *, refresh: bool) -> tuple[dict[str, list[Submission]], dict[str, datetime]]:
        """The records and their last-modified times, re-read from the program on ``refresh``
        when it changed since the last reading."""
        if (refresh or self._view is None) and (self.clock.truth_changed() or self._view is None):
            by_record = self._by_record()
            self._view = (by_record, self.clock.modified(self._snapshot(by_record)))
        return self._view

    def _base_row(
        self, record_id: str, forms: list[str], fields: list[str], survey_fields: bool
    ) -> dict[str, str]:
        row = {"record_id": record_id, "redcap_repeat_instrument": "", "redcap_repeat_instance": ""}
        for form in forms:
            if form == "physician":
                continue
            if survey_fields:
                row.update({"redcap_survey_identifier": "", f"{form}_timestamp": ""})
            row.update({name: "" for name in self._fields(form)})
            row[f"{form}_complete"] = ""
            row = self._drift_row(form, row)
        for name in fields:
            row.setdefault(name, "")
        return row

    def _shape(
        self, instance: dict[str, str], form: str, fields: list[str], survey_fields: bool
    ) -> dict[str, str]:
        row = dict(instance)
        if not survey_fields:
            row.pop("redcap_survey_identifier", None)
            row.pop(f"{form}_timestamp", None)
        for name in fields:
            row.setdefault(name, "")
        return self._drift_row(form, row)

    def _drift_row(self, form: str, row: dict[str, str]) -> dict[str, str]:
        target = DRIFT_FIELDS[form]
        if self.has_fault("drift_added"):
            row[self._added_field(form)] = "mobile" if row.get("redcap_repeat_instrument") else ""
        if target in row and self.has_fault("drift_renamed"):
            row[target + "_v2"] = row.pop(target)
        elif target in row and self.has_fault("drift_missing"):
            row.pop(target)
        return row


def _array(request: Request, name: str) -> list[str]:
    """PHP-style array parameters: ``name[]=a`` or ``name[0]=a``, or a comma list ``name=a,b``."""
    pattern = re.compile(rf"^{name}\[\d*\]$")
    values = [v for k, v in request.form + request.query if pattern.match(k)]
    plain = request.arg(name)
    if plain:
        values += [v.strip() for v in plain.split(",") if v.strip()]
    return values


def _parse_time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, REDCAP_TIME).replace(tzinfo=SERVER_TZ)
    except ValueError:
        raise ValueError(
            f'The value of the parameter "{name}" is not a valid date/time (YYYY-MM-DD HH:MM:SS)'
        ) from None
