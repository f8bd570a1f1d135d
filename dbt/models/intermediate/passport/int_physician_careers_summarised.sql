with

job_history as (

    select * from {{ ref('stg_hr__job_history') }}

),

role_codes as (

    select * from {{ ref('role_codes') }}

),

dated as (

    select
        job_history.*,
        role_codes.role_code as known_role_code,
        role_codes.is_trainee,
        role_codes.is_faculty
    from job_history
    left join role_codes
        on job_history.role_code = role_codes.role_code
    where job_history.effective_date <= {{ as_of_date() }}

),

current_roles as (

    select distinct on (physician_id)
        physician_id,
        role_code as current_role_code,
        known_role_code as current_known_role_code,
        pgy_level as current_pgy_level,
        title as current_title,
        effective_date as current_role_since
    from dated
    order by physician_id asc, effective_date desc

),

milestones as (

    select
        physician_id,
        min(effective_date) filter (where role_code = 'resident') as residency_started_on,
        min(effective_date) filter (where role_code = 'fellow') as fellowship_started_on,
        min(effective_date) filter (where is_faculty) as attending_since,
        min(effective_date) filter (
            where role_code = 'division_chief'
        ) as first_division_chief_on,
        min(effective_date) filter (where role_code = 'chair') as first_chair_on
    from dated
    group by physician_id

),

final as (

    select
        current_roles.physician_id,
        current_roles.current_role_code,
        current_roles.current_known_role_code,
        current_roles.current_pgy_level,
        current_roles.current_title,
        current_roles.current_role_since,
        milestones.residency_started_on,
        milestones.fellowship_started_on,
        milestones.attending_since,
        milestones.first_division_chief_on,
        milestones.first_chair_on
    from current_roles
    inner join milestones
        on current_roles.physician_id = milestones.physician_id

)

select * from final
