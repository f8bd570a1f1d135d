{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['physician_quarter_id']) }}",
    )
}}

with

workers as (

    select * from {{ ref('stg_hr__workers') }}

),

job_history as (

    select * from {{ ref('stg_hr__job_history') }}

),

role_codes as (

    select * from {{ ref('role_codes') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

roles_at_quarter_end as (

    select distinct on (job_history.physician_id, quarters.quarter)
        job_history.physician_id,
        quarters.quarter,
        job_history.role_code,
        job_history.pgy_level,
        job_history.program,
        job_history.department,
        job_history.specialty
    from job_history
    inner join quarters
        on job_history.effective_date <= quarters.quarter_end
    order by job_history.physician_id asc, quarters.quarter asc, job_history.effective_date desc

),

career_starts as (

    select
        job_history.physician_id,
        min(job_history.effective_date) filter (
            where job_history.role_code = 'resident'
        ) as residency_started_on,
        min(job_history.effective_date) filter (where role_codes.is_faculty) as attending_since
    from job_history
    left join role_codes
        on job_history.role_code = role_codes.role_code
    group by job_history.physician_id

),

final as (

    select
        quarter_roles.physician_id || '|' || quarter_roles.quarter as physician_quarter_id,
        quarter_roles.physician_id,
        quarter_roles.quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        quarter_roles.role_code,
        quarter_roles.pgy_level,
        coalesce(quarter_roles.program, workers.program) as program,
        coalesce(quarter_roles.department, workers.department) as department,
        coalesce(quarter_roles.specialty, workers.specialty) as specialty,
        career.residency_started_on,
        career.attending_since,
        coalesce(
            'entered ' || extract(year from career.residency_started_on)::int,
            'faculty since ' || extract(year from career.attending_since)::int,
            'unknown'
        ) as cohort,
        workers.hire_date <= quarters.quarter_start
        and (workers.termination_date is null or workers.termination_date > quarters.quarter_start)
            as is_active_at_start,
        workers.hire_date <= quarters.quarter_end
        and (workers.termination_date is null or workers.termination_date > quarters.quarter_end)
            as is_active_at_end,
        case
            when quarter_roles.role_code = 'resident' then 'resident'
            when quarter_roles.role_code = 'fellow' then 'fellow'
            when
                career.attending_since is not null
                and career.attending_since + interval '5 years' > quarters.quarter_end
                then 'early_career_attending'
            else 'other'
        end as blueprint_stage
    from roles_at_quarter_end as quarter_roles
    inner join quarters
        on quarter_roles.quarter = quarters.quarter
    inner join workers
        on quarter_roles.physician_id = workers.physician_id
    left join career_starts as career
        on quarter_roles.physician_id = career.physician_id

)

select * from final
