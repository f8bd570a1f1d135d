{#
    Which skill pod each LMS course delivers: a course belongs to the pod whose course
    code prefix its code starts with (the pods seed). One table, rebuilt when the courses
    change, read by every model that maps LMS records to pods: PostgreSQL knows its size,
    which it cannot estimate for a join on a prefix (it took the twenty course-pod pairs
    for one and read every enrollment again for each).
#}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['course_id', 'pod_code']) }}",
    )
}}

with

courses as (

    select * from {{ ref('stg_lms__courses') }}

),

pods as (

    select * from {{ ref('pods') }}

),

final as (

    select
        courses.course_id,
        courses.course_code,
        courses.starts_at,
        pods.pod_code,
        pods.lrs_dimension
    from courses
    inner join pods
        on starts_with(courses.course_code, pods.course_code_prefix)

)

select * from final
