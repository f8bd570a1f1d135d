"""REDCap API connector: the program's surveys and forms from a REDCap project.

API (REDCap's "Export Records" and "Export Metadata" methods, every call a form-encoded
``POST {host}/api/`` with the token in the body):
- ``content=record&action=export&format=json&type=flat&rawOrLabel=raw
  &exportSurveyFields=true&returnFormat=json``, optional ``records[]``, ``fields[]``,
  ``forms[]``, ``dateRangeBegin`` / ``dateRangeEnd`` (``YYYY-MM-DD HH:MM:SS``, server
  time; "records created or modified after/before" it);
- ``content=metadata`` returns the data dictionary (``field_name``, ``form_name``,
  ``field_type``, ``select_choices_or_calculations`` as ``"1, label | 2, label"``);
- flat exports name checkbox options ``<field>___<code>`` (``"0"``/``"1"``), add
  ``redcap_repeat_instrument`` / ``redcap_repeat_instance`` for repeating instruments and,
  with ``exportSurveyFields``, ``redcap_survey_identifier`` and ``<form>_timestamp``;
  ``<form>_complete`` is 0 incomplete, 1 unverified, 2 complete; every value is a string;
- errors are ``{"error": "..."}`` (``returnFormat=json``): a bad or unauthorised token
  gets HTTP 403 "You do not have permissions to use the API", a bad parameter 400.
- No pagination: large exports fail with memory errors, 500 or 504, and floods of small
  calls get the client banned, so records go in batches of a configurable size.
Sources: REDCap's API help for Export Records (as copied in
hebrewseniorlife/data_science_workshops ``redcap_doc.md``: parameters, dateRangeBegin
semantics, ``variable___code`` checkboxes, returnFormat), REDCapR's tests (a bad token
answers 403 with that message), PyCap issue #140 (the ``{'error': ...}`` body), the REDCap
API help's HTTP status list (400/401/403/404/406/500). Unverified: whether an export of
repeating instruments only also returns each record's base row; both cases are handled.

The REDCap project the platform expects (a project template the program installs):
record_id = the physician's worker id (the project's first field, read from the data
dictionary); six repeating instruments, each enabled as a survey, fields per
:data:`integrations.redcap.streams.FORMS`:
- ``confidence_survey``: ``conf_response_id``, ``conf_quarter`` (@HIDDEN), one radio field
  per Likert item named like the item id (``si_1`` ... ``me_2``), raw code 1-5 = answer;
  one row per answered item;
- ``mentorship_satisfaction``: ``sat_response_id``, ``sat_mentor_id``, ``sat_tier`` (radio),
  ``sat_quarter``, ``sat_rating`` (radio 1-5), ``sat_comments``;
- ``activity_log`` (on the mentor's record): ``log_id``, ``log_mentee_id``, ``log_type``
  (radio), ``log_date``, ``log_minutes``, ``log_notes``;
- ``mentor_contract`` (mentor's record): ``mc_contract_id``, ``mc_mentee_id``, ``mc_tier``,
  ``mc_signed_on``, ``mc_start_date``, ``mc_end_date``, ``mc_status`` (dropdown);
- ``contract_deliverable`` (mentor's record): ``cd_deliverable_id``, ``cd_contract_id``,
  ``cd_description``, ``cd_due_date``, ``cd_completed_on``;
- ``career_interests``: ``ci_response_id``, ``ci_role`` (radio), ``ci_tags`` (checkbox,
  exported ``ci_tags___1`` ...), ``ci_capacity``.
Coded choices (tier, activity type, status, role, tags) are decoded to their labels
through the data dictionary; the labels are the platform's codes (``peer``, ``meeting``).
``submitted_at`` is ``<form>_timestamp``, server local time converted with the
connection's ``timezone``. Only instances marked Complete (2) are exported; the others
are counted in the batch message and come with a later sync once completed (their
record is then modified, so the incremental filter returns it).

Export flow per sync: the data dictionary (once), the record ids (``fields[]=record_id``,
once, with ``dateRangeBegin`` = the bookmark on incremental syncs), then per stream
``ceil(ids / batch_size)`` exports of ``forms[]=<instrument>`` and ``records[]``.
A modified record comes back whole (all its instances); raw versioning keeps only the
rows that changed. The bookmark is the sync's start minus five minutes, in UTC.

Connection ``redcap_default``: host = the REDCap base URL (``/api/`` is appended),
password = the API token (a secret: sent in the form body, never logged); extra
``batch_size`` (records per export call, default 100), ``timezone`` (the server's IANA
time zone, default UTC), ``instruments`` ({stream: instrument name} overrides).
"""

from integrations.redcap.client import Redcap, RedcapClient

__all__ = ["Redcap", "RedcapClient"]
