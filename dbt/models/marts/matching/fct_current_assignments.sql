with

assignments as (

    select * from {{ ref('stg_program__assignments') }}

),

physicians as (

    select * from {{ ref('dim_physicians') }}

),

final as (

    select
        assignments.assignment_id,
        assignments.resident_id,
        residents.full_name as resident_name,
        residents.program,
        assignments.tier,
        assignments.mentor_id,
        mentors.full_name as mentor_name,
        assignments.score,
        assignments.interest,
        assignments.availability,
        assignments.past_success,
        assignments.notify,
        assignments.valid_from,
        assignments.run_id
    from assignments
    left join physicians as residents
        on assignments.resident_id = residents.physician_id
    left join physicians as mentors
        on assignments.mentor_id = mentors.physician_id
    where assignments.valid_to is null

)

select * from final
