{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(
            primary_key=['activity_event_id'],
            allowed={'activity_category': [
                'skill_pod_enrollment', 'skill_pod_completion', 'passport_milestone', 'mentorship'
            ]},
        ) }}",
    )
}}

with

program_residents as (

    select * from {{ ref('int_program_resident_quarters') }}

),

enrollments as (

    select * from {{ ref('stg_lms__enrollments') }}

),

course_pods as (

    select * from {{ ref('int_pod_courses') }}

),

pod_completions as (

    select * from {{ ref('int_pod_completions') }}

),

stamps as (

    -- the passport's own stamps, so the extract and the passport always agree
    select * from {{ ref('fct_passport_stamps') }}

),

assignment_quarters as (

    select * from {{ ref('int_assignment_quarters') }}

),

pod_enrollments as (

    select
        enrollments.physician_id,
        {{ quarter_of('coalesce(course_pods.starts_at, enrollments.updated_at)') }} as quarter,
        'skill_pod_enrollment' as activity_category,
        course_pods.pod_code as activity_code,
        cast(enrollments.enrollment_id as text) as evidence_id,
        cast(null as text) as mentor_id
    from enrollments
    inner join course_pods
        on enrollments.course_id = course_pods.course_id
    where enrollments.enrollment_state in ('active', 'completed', 'inactive')

),

completions as (

    select
        physician_id,
        {{ quarter_of('completed_at') }} as quarter,
        'skill_pod_completion' as activity_category,
        pod_code as activity_code,
        cast(enrollment_id as text) as evidence_id,
        cast(null as text) as mentor_id
    from pod_completions
    where completed_at < {{ as_of_date() }} + interval '1 day'

),

milestones_stamped as (

    select
        physician_id,
        stamped_quarter as quarter,
        'passport_milestone' as activity_category,
        milestone_code as activity_code,
        evidence_source || ':' || evidence_id as evidence_id,
        cast(null as text) as mentor_id
    from stamps

),

mentorships as (

    select distinct
        resident_id as physician_id,
        quarter,
        'mentorship' as activity_category,
        tier as activity_code,
        resident_id || '|' || mentor_id as evidence_id,
        mentor_id
    from assignment_quarters

),

events as (

    select * from pod_enrollments
    union all
    select * from completions
    union all
    select * from milestones_stamped
    union all
    select * from mentorships

),

final as (

    select
        program_residents.program || '|' || events.quarter || '|' || events.activity_category
        || '|' || events.activity_code || '|' || events.evidence_id as activity_event_id,
        program_residents.program,
        events.quarter,
        events.physician_id,
        program_residents.role_code,
        events.activity_category,
        events.activity_code,
        events.evidence_id,
        events.mentor_id
    from events
    inner join program_residents
        on
            events.physician_id = program_residents.physician_id
            and events.quarter = program_residents.quarter

)

select * from final
