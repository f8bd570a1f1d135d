with

physicians as (

    select * from {{ ref('dim_physicians') }}

),

interests as (

    select * from {{ ref('int_latest_career_interests') }}

),

final as (

    select
        physicians.physician_id as resident_id,
        physicians.program,
        physicians.department,
        physicians.specialty,
        physicians.current_pgy_level as pgy_level,
        coalesce(interests.tags, '') as interests
    from physicians
    left join interests
        on
            physicians.physician_id = interests.physician_id
            and interests.respondent_role = 'mentee'
    where
        physicians.current_role_code = 'resident'
        and physicians.is_active

)

select * from final
