{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(
            primary_key=['physician_quarter_id', 'slice_type', 'slice_value'],
            allowed={'slice_type': ['overall', 'cohort', 'specialty', 'program', 'mentor_tier']},
        ) }}",
    )
}}

with

physician_quarters as (

    select * from {{ ref('int_physician_quarters_observed') }}

),

assignment_quarters as (

    select * from {{ ref('int_assignment_quarters') }}

),

attribute_slices as (

    select
        physician_quarter_id,
        physician_id,
        quarter,
        'overall' as slice_type,
        'all' as slice_value
    from physician_quarters

    union all

    select
        physician_quarter_id,
        physician_id,
        quarter,
        'cohort' as slice_type,
        cohort as slice_value
    from physician_quarters

    union all

    select
        physician_quarter_id,
        physician_id,
        quarter,
        'specialty' as slice_type,
        specialty as slice_value
    from physician_quarters

    union all

    select
        physician_quarter_id,
        physician_id,
        quarter,
        'program' as slice_type,
        program as slice_value
    from physician_quarters
    where program is not null

),

mentor_tier_slices as (

    select distinct
        physician_quarters.physician_quarter_id,
        physician_quarters.physician_id,
        physician_quarters.quarter,
        'mentor_tier' as slice_type,
        assignment_quarters.tier as slice_value
    from physician_quarters
    inner join assignment_quarters
        on
            physician_quarters.physician_id = assignment_quarters.resident_id
            and physician_quarters.quarter = assignment_quarters.quarter

),

slices as (

    select * from attribute_slices
    union all
    select * from mentor_tier_slices

),

final as (

    select
        physician_quarter_id,
        physician_id,
        quarter,
        slice_type,
        slice_value
    from slices

)

select * from final
