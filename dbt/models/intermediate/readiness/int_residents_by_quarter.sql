{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['resident_id', 'quarter']) }}",
    )
}}

with

physician_quarters as (

    select * from {{ ref('int_physician_quarters') }}

),

final as (

    select
        physician_id as resident_id,
        quarter,
        quarter_start,
        quarter_end,
        pgy_level,
        program,
        department,
        specialty,
        cohort,
        blueprint_stage
    from physician_quarters
    where
        role_code = 'resident'
        and is_active_at_end

)

select * from final
