with

enrollments as (

    select * from {{ ref('stg_lms__enrollments') }}

),

course_pods as (

    select * from {{ ref('int_pod_courses') }}

),

final as (

    select
        enrollments.enrollment_id,
        enrollments.physician_id,
        course_pods.course_id,
        course_pods.course_code,
        course_pods.pod_code,
        course_pods.lrs_dimension,
        coalesce(enrollments.completed_at, enrollments.updated_at) as completed_at
    from enrollments
    inner join course_pods
        on enrollments.course_id = course_pods.course_id
    where enrollments.is_completed

)

select * from final
