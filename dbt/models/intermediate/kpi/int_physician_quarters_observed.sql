{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['physician_quarter_id']) }}",
    )
}}

with

physician_quarters as (

    select * from {{ ref('int_physician_quarters') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

workers as (

    select * from {{ ref('stg_hr__workers') }}

),

role_codes as (

    select * from {{ ref('role_codes') }}

),

final as (

    select
        physician_quarters.physician_quarter_id,
        physician_quarters.physician_id,
        physician_quarters.quarter,
        physician_quarters.quarter_start,
        physician_quarters.quarter_end,
        quarters.observed_until,
        physician_quarters.role_code,
        coalesce(role_codes.is_trainee, false) as is_trainee,
        physician_quarters.program,
        physician_quarters.department,
        coalesce(physician_quarters.specialty, 'unknown') as specialty,
        physician_quarters.cohort,
        physician_quarters.is_active_at_start,
        workers.hire_date <= quarters.observed_until
        and coalesce(workers.termination_date > quarters.observed_until, true)
            as is_active_at_observed_end,
        workers.hire_date <= quarters.observed_until
        and coalesce(workers.termination_date > quarters.quarter_start, true)
            as is_active_during_quarter
    from physician_quarters
    inner join quarters
        on physician_quarters.quarter = quarters.quarter
    inner join workers
        on physician_quarters.physician_id = workers.physician_id
    left join role_codes
        on physician_quarters.role_code = role_codes.role_code

)

select * from final
