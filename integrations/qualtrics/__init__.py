"""Qualtrics API v3 connector: the program's surveys as Qualtrics response exports.

API (base ``https://{datacenter}.qualtrics.com/API/v3``, header ``X-API-TOKEN``; every
JSON answer is wrapped ``{"result": ..., "meta": {"httpStatus", "requestId"}}``, errors
carry ``meta.error {errorCode, errorMessage}``):
1. ``POST /surveys/{surveyId}/export-responses`` with ``{"format": "json", "startDate":
   ..., "useLabels": false, "compress": true}`` -> ``result.progressId``;
2. ``GET /surveys/{surveyId}/export-responses/{progressId}`` until ``result.status`` is
   ``complete`` and ``result.fileId`` is set (``percentComplete`` meanwhile; ``failed``
   is possible, and then the connector raises an ExtractError saying so); polled at most
   ``max_polls`` times, ``poll_interval`` seconds apart;
3. ``GET /surveys/{surveyId}/export-responses/{fileId}/file`` -> a zip holding one JSON
   file ``{"responses": [{"responseId", "values": {...}, "labels": {...}}]}``.
``values`` holds response metadata (``startDate``, ``endDate``, ``recordedDate``,
``finished``, ...), answers keyed by question id (``QID2`` a choice's recode value or a
list of them, ``QID4_TEXT`` text entry, ``QID1_3`` a matrix row) and embedded data by
field name. ``startDate`` filters on ``recordedDate`` (responses recorded on or after).
The survey definition (``GET /survey-definitions/{surveyId}``, ``result.Questions[QID]``
with ``DataExportTag``, ``QuestionType``, ``Selector``, ``Choices``,
``ChoiceDataExportTags``, ``VariableNaming``, ``RecodeValues``) maps question ids to
columns. 429 on throttling, 5xx transient: retried by the shared HTTP layer.
Sources: databrickslabs/lakeflow-community-connectors ``sources/qualtrics/qualtrics_api_doc.md``
(the three export steps, the envelope, startDate/endDate on recordedDate, statuses
``inProgress``/``complete``/``failed``), B-Jones-RFD/qualtrics-api-tasks (export options,
wait for ``status == "complete"`` rather than percentComplete, fileId null until then,
a failed job's ``errorCode``/``errorMessage``), QSF/definition readers on GitHub
(``ChoiceDataExportTags``, ``VariableNaming``), SOURCES.md. Unverified: the exact shape
of a failed export's error detail (read defensively).

The surveys the platform expects, one per stream (connection extra ``surveys`` =
{stream: surveyId}; streams without a survey are not synced): each question's
``DataExportTag`` is the contract column it fills (``mentor_id``, ``tier``, ``rating``,
...); categorical choices carry ``VariableNaming`` = the platform's code (``peer``,
``meeting``, ``mentor``); the confidence survey is one Likert matrix whose rows'
``ChoiceDataExportTags`` are the item ids (``si_1`` ...), one row per answered item;
embedded data ``worker_id`` (the respondent, from SSO or the contact list; the mentor
on mentor forms), ``quarter``, and ``contract_id`` on the deliverable form. The
responseId is the record's id (response_id, log_id, contract_id, deliverable_id);
``submitted_at`` is ``endDate``. Unfinished responses are skipped and counted in the
batch message. Qualtrics responses are append-only: ``startDate`` catches responses
recorded (or re-recorded) since the bookmark; an edit that keeps its recordedDate is
only caught by a full refresh (``leadership sync qualtrics --full-refresh``).

Connection ``qualtrics_default``: host = ``{datacenter}.qualtrics.com`` (or a URL),
password = the API token (a secret: only in the header, never logged); extra
``surveys`` (required), ``respondent_field`` (default ``worker_id``), ``poll_interval``
(seconds, default 1), ``max_polls`` (default 120).
"""

from integrations.qualtrics.client import Qualtrics, QualtricsClient

__all__ = ["Qualtrics", "QualtricsClient"]
