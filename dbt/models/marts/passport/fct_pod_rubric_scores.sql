with

scores as (

    select * from {{ ref('int_pod_rubric_scores') }}

),

final as (

    select
        submission_id,
        physician_id,
        pod_code,
        lrs_dimension,
        assignment_id,
        course_id,
        points,
        max_points,
        score_pct,
        graded_at
    from scores

)

select * from final
