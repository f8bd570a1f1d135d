"""LMS feed contracts: skill-pod courses, enrollments, assignments (with rubrics), submissions.

Canvas REST and the LMS CSV drop land here. Ids are the LMS's; ``sis_user_id`` is
the HR worker id (Canvas's SIS id), which is how the passport links a learner to a
physician. Rubrics and rubric assessments stay JSON as Canvas gives them: dbt
flattens them per criterion.
"""

from __future__ import annotations

from integrations.common.schema import StreamContract, columns

COURSES = StreamContract(
    feed="lms",
    name="courses",
    description="Skill-pod courses, one per pod offering (dbt maps course_code to a pod).",
    columns=columns(
        "course_id",
        "course_code",
        "sis_course_id",
        "account_id",
        "name",
        "workflow_state",
        ("start_at", "timestamp"),
        ("end_at", "timestamp"),
    ),
    primary_key=("course_id",),
)

ENROLLMENTS = StreamContract(
    feed="lms",
    name="enrollments",
    description="Who is enrolled in which pod, and whether they completed it.",
    columns=columns(
        "enrollment_id",
        "course_id",
        "user_id",
        "sis_user_id",
        "enrollment_type",
        "enrollment_state",
        ("requirement_count", "integer"),
        ("requirement_completed_count", "integer"),
        ("completed_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    primary_key=("enrollment_id",),
)

ASSIGNMENTS = StreamContract(
    feed="lms",
    name="assignments",
    description="Pod assignments and their rubric (criteria with maximum points).",
    columns=columns(
        "assignment_id",
        "course_id",
        "name",
        ("points_possible", "number"),
        ("rubric", "json"),
        ("due_at", "timestamp"),
        ("updated_at", "timestamp"),
    ),
    primary_key=("assignment_id",),
)

SUBMISSIONS = StreamContract(
    feed="lms",
    name="submissions",
    description="Graded pod work with the rubric assessment per criterion.",
    columns=columns(
        "submission_id",
        "assignment_id",
        "course_id",
        "user_id",
        ("score", "number"),
        "workflow_state",
        ("submitted_at", "timestamp"),
        ("graded_at", "timestamp"),
        ("rubric_assessment", "json"),
    ),
    primary_key=("submission_id",),
    replication_key="graded_at",
)

CONTRACTS = [COURSES, ENROLLMENTS, ASSIGNMENTS, SUBMISSIONS]
