"""The program's REDCap instruments, one small spec per stream, and how a flat row maps to it.

Each stream is one repeating instrument on the physician's record. A spec names
the contract column the record id fills, the instrument's fields by contract
column, which of them are coded choices (decoded to their labels through the
data dictionary), checkbox fields (``<field>___<code>`` columns, joined into
``;``-separated labels) and, for the confidence survey, that every radio field
of the instrument is a Likert item (one row per answered item, raw code = answer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# Pseudo-fields REDCap adds to a flat export; known, so never reported as drift.
SYSTEM_FIELDS = {
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_survey_identifier",
    "redcap_data_access_group",
}
COMPLETE = "2"  # <form>_complete: 0 incomplete, 1 unverified, 2 complete
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
# the shape of TIMESTAMP_FORMAT, which datetime.fromisoformat reads ten times faster
_TIMESTAMP_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
CHOICE_TYPES = {"radio", "dropdown", "checkbox", "yesno", "truefalse"}


@dataclass(frozen=True)
class FormSpec:
    stream: str
    instrument: str  # the default instrument (form) name; connection extra may rename it
    record_column: str | None  # the contract column the record id fills
    fields: dict[str, str]  # contract column -> REDCap field
    coded: frozenset[str] = frozenset()  # fields exported as raw codes, decoded to labels
    checkboxes: dict[str, str] = field(default_factory=dict)  # contract column -> field
    likert: bool = False  # every other radio field of the instrument is a Likert item


FORMS: dict[str, FormSpec] = {
    spec.stream: spec
    for spec in [
        FormSpec(
            "confidence_answers",
            "confidence_survey",
            "respondent_id",
            {"response_id": "conf_response_id", "quarter": "conf_quarter"},
            likert=True,
        ),
        FormSpec(
            "satisfaction_ratings",
            "mentorship_satisfaction",
            "respondent_id",
            {
                "response_id": "sat_response_id",
                "mentor_id": "sat_mentor_id",
                "tier": "sat_tier",
                "quarter": "sat_quarter",
                "rating": "sat_rating",
                "comments": "sat_comments",
            },
            coded=frozenset({"sat_tier"}),
        ),
        FormSpec(
            "activity_logs",
            "activity_log",
            "mentor_id",
            {
                "log_id": "log_id",
                "mentee_id": "log_mentee_id",
                "activity_type": "log_type",
                "activity_date": "log_date",
                "minutes": "log_minutes",
                "notes": "log_notes",
            },
            coded=frozenset({"log_type"}),
        ),
        FormSpec(
            "mentor_contracts",
            "mentor_contract",
            "mentor_id",
            {
                "contract_id": "mc_contract_id",
                "mentee_id": "mc_mentee_id",
                "tier": "mc_tier",
                "signed_on": "mc_signed_on",
                "start_date": "mc_start_date",
                "end_date": "mc_end_date",
                "status": "mc_status",
            },
            coded=frozenset({"mc_tier", "mc_status"}),
        ),
        FormSpec(
            "contract_deliverables",
            "contract_deliverable",
            None,  # the record is the mentor's; the deliverable names its contract
            {
                "deliverable_id": "cd_deliverable_id",
                "contract_id": "cd_contract_id",
                "description": "cd_description",
                "due_date": "cd_due_date",
                "completed_on": "cd_completed_on",
            },
        ),
        FormSpec(
            "career_interests",
            "career_interests",
            "respondent_id",
            {
                "response_id": "ci_response_id",
                "respondent_role": "ci_role",
                "capacity": "ci_capacity",
            },
            coded=frozenset({"ci_role"}),
            checkboxes={"tags": "ci_tags"},
        ),
    ]
}


def parse_choices(text: str) -> dict[str, str]:
    """``"1, peer | 2, attending"`` -> ``{"1": "peer", "2": "attending"}``."""
    out = {}
    for part in (text or "").split("|"):
        code, sep, label = part.partition(",")
        if sep:
            out[code.strip()] = label.strip()
    return out


@dataclass
class Dictionary:
    """The parts of a project's data dictionary (``content=metadata``) the mapping needs."""

    rows: list[dict[str, Any]]

    @property
    def record_id_field(self) -> str:
        """REDCap's record id is always the project's first field."""
        return str(self.rows[0]["field_name"]) if self.rows else "record_id"

    def forms(self) -> set[str]:
        return {str(r.get("form_name")) for r in self.rows}

    def fields_of(self, form: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r.get("form_name") == form]

    def choices(self, field_name: str) -> dict[str, str]:
        for r in self.rows:
            if r.get("field_name") == field_name:
                return parse_choices(str(r.get("select_choices_or_calculations") or ""))
        return {}


class FormMapper:
    """Maps one instrument's flat-export rows (complete instances only) to contract records."""

    def __init__(self, spec: FormSpec, form: str, dictionary: Dictionary, tz: ZoneInfo) -> None:
        self.spec, self.form, self.tz = spec, form, tz
        self.record_id = dictionary.record_id_field
        self.decoders = {f: dictionary.choices(f) for f in spec.coded}
        self.checkbox_labels = {f: dictionary.choices(f) for f in spec.checkboxes.values()}
        mapped = set(spec.fields.values())
        self.items = (
            [
                str(r["field_name"])
                for r in dictionary.fields_of(form)
                if r.get("field_type") == "radio" and r["field_name"] not in mapped
            ]
            if spec.likert
            else []
        )
        self.known = {
            self.record_id,
            *SYSTEM_FIELDS,
            f"{form}_timestamp",
            f"{form}_complete",
            *mapped,
            *self.items,
        }

    def is_instance(self, row: Mapping[str, Any]) -> bool:
        return row.get("redcap_repeat_instrument") == self.form

    def is_complete(self, row: Mapping[str, Any]) -> bool:
        return str(row.get(f"{self.form}_complete", "")) == COMPLETE

    def records(self, row: Mapping[str, Any]) -> list[dict[str, Any]]:
        record: dict[str, Any] = {}
        if self.spec.record_column:
            record[self.spec.record_column] = row.get(self.record_id)
        for column, name in self.spec.fields.items():
            if name in row:  # absent: renamed or removed in REDCap; the platform reports it
                value = row[name]
                record[column] = (
                    self.decoders[name].get(value, value) if name in self.decoders else value
                )
        checkbox_columns: set[str] = set()
        for column, name in self.spec.checkboxes.items():
            prefix = f"{name}___"
            present = [k for k in row if k.startswith(prefix)]
            if not present:
                continue  # the checkbox field is gone: the platform reports the column missing
            checkbox_columns.update(present)
            labels = self.checkbox_labels[name]
            codes = [k[len(prefix) :] for k in present if str(row[k]) == "1"]
            record[column] = ";".join(sorted(labels.get(c, c) for c in codes)) or None
        record["submitted_at"] = self.timestamp(row.get(f"{self.form}_timestamp"))
        for key, value in row.items():
            if key not in self.known and key not in checkbox_columns:
                record[key] = value  # unknown to the template: kept, reported as drift
        if not self.spec.likert:
            return [record]
        return [
            {**record, "item_id": item, "answer": row[item]}
            for item in self.items
            if row.get(item) not in (None, "")
        ]

    def timestamp(self, value: Any) -> Any:
        """``YYYY-MM-DD HH:MM:SS`` in the server's time zone -> ISO 8601 with offset."""
        if not value or value == "[not completed]":
            return None
        text = str(value)
        try:
            if _TIMESTAMP_SHAPE.fullmatch(text):
                local = datetime.fromisoformat(text)
            else:
                local = datetime.strptime(text, TIMESTAMP_FORMAT)
        except ValueError:
            return value  # left as is: validation quarantines it with the value quoted
        return local.replace(tzinfo=self.tz).isoformat()
