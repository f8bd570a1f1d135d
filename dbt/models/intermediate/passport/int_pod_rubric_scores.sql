{# read by the readiness components and the pod rubric mart: computed once, when the LMS changes #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['submission_id']) }}",
    )
}}

with

submissions as (

    select * from {{ ref('stg_lms__submissions') }}

),

assignments as (

    select * from {{ ref('stg_lms__assignments') }}

),

enrollments as (

    select * from {{ ref('stg_lms__enrollments') }}

),

course_pods as (

    select * from {{ ref('int_pod_courses') }}

),

learners as (

    select distinct
        lms_user_id,
        physician_id
    from enrollments

),

rubric_maxima as (

    select
        assignments.assignment_id,
        sum(cast(criterion ->> 'points' as numeric)) as max_points
    from assignments
    cross join lateral jsonb_array_elements(assignments.rubric) as criterion
    group by assignments.assignment_id

),

awarded as (

    select
        submissions.submission_id,
        sum(cast(assessed.value ->> 'points' as numeric)) as points
    from submissions
    cross join lateral jsonb_each(submissions.rubric_assessment) as assessed
    where submissions.graded_at is not null
    group by submissions.submission_id

),

final as (

    select
        submissions.submission_id,
        learners.physician_id,
        submissions.assignment_id,
        submissions.course_id,
        course_pods.pod_code,
        course_pods.lrs_dimension,
        awarded.points,
        rubric_maxima.max_points,
        round(awarded.points / nullif(rubric_maxima.max_points, 0) * 100, 4) as score_pct,
        submissions.graded_at
    from submissions
    inner join awarded
        on submissions.submission_id = awarded.submission_id
    inner join rubric_maxima
        on submissions.assignment_id = rubric_maxima.assignment_id
    inner join learners
        on submissions.lms_user_id = learners.lms_user_id
    inner join course_pods
        on submissions.course_id = course_pods.course_id

)

select * from final
