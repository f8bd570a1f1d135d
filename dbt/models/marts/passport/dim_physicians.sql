with

workers as (

    select * from {{ ref('stg_hr__workers') }}

),

careers as (

    select * from {{ ref('int_physician_careers_summarised') }}

),

joined as (

    select
        workers.physician_id,
        workers.first_name,
        workers.last_name,
        workers.email,
        workers.department,
        workers.specialty,
        workers.program,
        workers.hire_date,
        workers.termination_date,
        careers.current_role_code,
        careers.current_pgy_level,
        careers.current_title,
        careers.current_role_since,
        careers.residency_started_on,
        careers.fellowship_started_on,
        careers.attending_since,
        careers.first_division_chief_on,
        careers.first_chair_on,
        {{ as_of_date() }} as as_of_date
    from workers
    left join careers
        on workers.physician_id = careers.physician_id

),

final as (

    select
        physician_id,
        first_name,
        last_name,
        concat_ws(' ', first_name, last_name) as full_name,
        email,
        department,
        specialty,
        program,
        hire_date,
        termination_date,
        coalesce(termination_date is null or termination_date > as_of_date, false) as is_active,
        current_role_code,
        current_pgy_level,
        current_title,
        current_role_since,
        residency_started_on,
        fellowship_started_on,
        attending_since,
        first_division_chief_on,
        first_chair_on,
        case
            when current_role_code = 'resident' then 'resident'
            when current_role_code = 'fellow' then 'fellow'
            when
                attending_since is not null
                and attending_since + interval '5 years' > as_of_date
                then 'early_career_attending'
            else 'other'
        end as blueprint_stage,
        as_of_date
    from joined

)

select * from final
