"""The CSV file drop, for every feed: a folder (or SFTP directory) of dated files.

Many hospitals send flat files; no standard exists, so the platform defines the
contract. One source per feed: ``hr_csv``, ``lms_csv``, ``calendar_csv``,
``surveys_csv``, each reading its own sub-folder of the drop root (``hr/``,
``lms/``, ``calendar/``, ``surveys/``).

- file names ``<stream>_<YYYY-MM-DD>.csv`` (e.g. ``workers_2026-10-01.csv``), the date
  being the day the snapshot describes; one file per stream per drop;
- a header row with the contract's column names; UTF-8 (a BOM is tolerated);
  comma-separated, RFC 4180 quoting;
- each file is a full snapshot of its stream as of its date; files are read oldest
  first, each is one batch, and the bookmark is the last file published: the next
  sync reads only files dated after it;
- values: dates ``YYYY-MM-DD``, timestamps ISO 8601 (``2026-09-30T12:00:00Z``), an
  empty cell is missing; ``json`` columns hold JSON text in the cell (quoted as
  CSV requires), exactly what the LMS API would give;
- extra columns are kept (``_extra``) and reported; a row longer than the header, or
  missing a required value, is quarantined with the reason.

Columns per feed and stream (types other than text in brackets; they are the
contracts in ``integrations/contracts/``):

``hr/``
  - workers: worker_id, first_name, last_name, email, department, specialty, program,
    hire_date (date), termination_date (date)
  - job_history: worker_id, effective_date (date), role, pgy_level (integer), department,
    specialty, program, title
  - demographics: worker_id, gender, race_ethnicity, underrepresented_in_medicine (boolean),
    first_generation (boolean)

``lms/``
  - courses: course_id, course_code, sis_course_id, account_id, name, workflow_state,
    start_at (timestamp), end_at (timestamp)
  - enrollments: enrollment_id, course_id, user_id, sis_user_id, enrollment_type,
    enrollment_state, requirement_count (integer), requirement_completed_count (integer),
    completed_at (timestamp), updated_at (timestamp)
  - assignments: assignment_id, course_id, name, points_possible (number), rubric (json:
    ``[{"id", "description", "points"}, ...]``), due_at (timestamp), updated_at (timestamp)
  - submissions: submission_id, assignment_id, course_id, user_id, score (number),
    workflow_state, submitted_at (timestamp), graded_at (timestamp), rubric_assessment
    (json: ``{criterion_id: {"points", "rating_id", "comments"}}``)

``calendar/``
  - free_slots: mentor_id, week_start (date, a Monday), free_slots (integer),
    busy_minutes (integer), working_slots (integer), calendar_source (``csv``)

``surveys/``
  - confidence_answers: response_id, respondent_id, quarter, item_id, answer (integer),
    submitted_at (timestamp)
  - satisfaction_ratings: response_id, respondent_id, mentor_id, tier, quarter,
    rating (integer), comments, submitted_at (timestamp)
  - activity_logs: log_id, mentor_id, mentee_id, activity_type, activity_date (date),
    minutes (integer), notes, submitted_at (timestamp)
  - mentor_contracts: contract_id, mentor_id, mentee_id, tier, signed_on (date),
    start_date (date), end_date (date), status, submitted_at (timestamp)
  - contract_deliverables: deliverable_id, contract_id, description, due_date (date),
    completed_on (date), submitted_at (timestamp)
  - career_interests: response_id, respondent_id, respondent_role, tags (``;``-separated),
    capacity (integer), submitted_at (timestamp)

Where the files are (``locations.drop_location``): ``--path DIR`` (option ``path``)
is a local folder; ``location=sftp``, or an ``sftp_default`` connection whose extra
has ``remote_root``, reads ``<remote_root>/<feed>`` (or the ``path`` option) over
SFTP with Airflow's SFTP provider; otherwise ``$LEADERSHIP_DROP_DIR/<feed>``.
"""

from integrations.file_drop.client import FileDrop
from integrations.file_drop.locations import DropLocation, LocalFolder, SftpFolder, drop_location

__all__ = ["DropLocation", "FileDrop", "LocalFolder", "SftpFolder", "drop_location"]
