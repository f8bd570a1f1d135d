"""One small spec per survey stream, and how a Qualtrics response maps to contract records.

A response's ``values`` are keyed by question id (``QID3``, ``QID4_TEXT``, matrix rows
``QID1_<choice>``), by embedded-data field name, and by Qualtrics' own metadata
(``startDate``, ``recordedDate``, ...). The survey definition names the columns: a
question's ``DataExportTag`` is the contract column it fills, a Likert matrix row's
``ChoiceDataExportTags`` entry is the item id, and a choice's ``VariableNaming`` is the
code it stands for (without one, the exported recode value is the answer itself).
Embedded-data fields are named like contract columns (``quarter``, ``contract_id``),
except the respondent, who arrives as ``worker_id`` (configurable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Response metadata Qualtrics puts in ``values``: known, so never reported as drift.
RESPONSE_METADATA = {
    "startDate",
    "endDate",
    "status",
    "ipAddress",
    "progress",
    "duration",
    "finished",
    "recordedDate",
    "_recordId",
    "locationLatitude",
    "locationLongitude",
    "distributionChannel",
    "userLanguage",
    "recipientFirstName",
    "recipientLastName",
    "recipientEmail",
    "externalDataReference",
}
MULTI_ANSWER = {"MAVR", "MAHR", "MACOL", "MSB"}


@dataclass(frozen=True)
class SurveySpec:
    stream: str
    id_column: str  # filled from responseId
    respondent_column: str | None  # filled from the respondent embedded-data field
    likert: bool = False  # one row per answered matrix row (the confidence survey)


SURVEYS: dict[str, SurveySpec] = {
    spec.stream: spec
    for spec in [
        SurveySpec("confidence_answers", "response_id", "respondent_id", likert=True),
        SurveySpec("satisfaction_ratings", "response_id", "respondent_id"),
        SurveySpec("activity_logs", "log_id", "mentor_id"),
        SurveySpec("mentor_contracts", "contract_id", "mentor_id"),
        SurveySpec("contract_deliverables", "deliverable_id", None),
        SurveySpec("career_interests", "response_id", "respondent_id"),
    ]
}


@dataclass
class Column:
    """Where one ``values`` key goes: a column (or a Likert item) and how to decode it."""

    name: str
    kind: str  # "text", "choice", "item"
    multi: bool = False
    codes: dict[str, str] = field(default_factory=dict)  # exported value -> code


def value_keys(definition: Mapping[str, Any]) -> dict[str, Column]:
    """``values`` key -> column, from ``survey-definitions`` ``Questions``."""
    keys: dict[str, Column] = {}
    for qid, q in (definition.get("Questions") or {}).items():
        tag = str(q.get("DataExportTag") or qid)
        qtype, choices = q.get("QuestionType"), q.get("Choices") or {}
        if qtype == "Matrix":
            tags = q.get("ChoiceDataExportTags") or {}
            for cid in choices:
                keys[f"{qid}_{cid}"] = Column(str(tags.get(cid) or f"{tag}_{cid}"), "item")
        elif qtype == "MC":
            naming = q.get("VariableNaming") or {}
            recode = q.get("RecodeValues") or {}
            codes = {
                str(recode.get(cid, cid)): str(naming[cid]) for cid in choices if cid in naming
            }
            keys[qid] = Column(tag, "choice", q.get("Selector") in MULTI_ANSWER, codes)
        else:  # TE and the rest: free text, exported as <QID>_TEXT
            keys[f"{qid}_TEXT"] = Column(tag, "text")
    return keys


class ResponseMapper:
    def __init__(self, spec: SurveySpec, definition: Mapping[str, Any], respondent_field: str):
        self.spec = spec
        self.keys = value_keys(definition)
        self.respondent_field = respondent_field
        # every question's column starts empty: Qualtrics leaves unanswered questions out
        self.blank = {c.name: None for c in self.keys.values() if c.kind != "item"}

    def records(self, response: Mapping[str, Any]) -> list[dict[str, Any]]:
        values = response.get("values") or {}
        record: dict[str, Any] = {self.spec.id_column: response.get("responseId"), **self.blank}
        items: dict[str, Any] = {}
        for key, value in values.items():
            if key in RESPONSE_METADATA:
                continue
            if key == self.respondent_field:
                if self.spec.respondent_column:
                    record[self.spec.respondent_column] = value
                continue
            column = self.keys.get(key)
            if column is None:
                record[key] = value  # embedded data by column name; anything else is drift
            elif column.kind == "item":
                items[column.name] = value
            elif column.kind == "choice":
                record[column.name] = self.decode(column, value)
            else:
                record[column.name] = value
        record["submitted_at"] = values.get("endDate")
        if not self.spec.likert:
            return [record]
        return [{**record, "item_id": item, "answer": answer} for item, answer in items.items()]

    @staticmethod
    def decode(column: Column, value: Any) -> Any:
        if column.multi:
            chosen = value if isinstance(value, list) else [value]
            labels = sorted(column.codes.get(str(v), str(v)) for v in chosen if v not in (None, ""))
            return ";".join(labels) or None
        if value is None or not column.codes:
            return value
        return column.codes.get(str(value), value)


def is_finished(response: Mapping[str, Any]) -> bool:
    finished = (response.get("values") or {}).get("finished", 1)
    return finished in (1, True, "1", "true", "True")
