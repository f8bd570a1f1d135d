{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(
            primary_key=['assignment_quarter_id'], not_null=['tier']
        ) }}",
    )
}}

with

assignments as (

    select * from {{ ref('stg_program__assignments') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

final as (

    select
        cast(assignments.assignment_id as text) || '|' || quarters.quarter
            as assignment_quarter_id,
        assignments.assignment_id,
        quarters.quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        quarters.observed_until,
        assignments.resident_id,
        assignments.mentor_id,
        assignments.tier,
        assignments.valid_from,
        assignments.valid_to,
        coalesce(assignments.valid_to > quarters.observed_until, true) as is_valid_at_quarter_end
    from assignments
    inner join quarters
        on
            assignments.valid_from <= quarters.observed_until
            and coalesce(assignments.valid_to > quarters.quarter_start, true)

)

select * from final
