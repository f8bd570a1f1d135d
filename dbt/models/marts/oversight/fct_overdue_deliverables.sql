with

deliverables as (

    select * from {{ ref('stg_surveys__contract_deliverables') }}

),

contracts as (

    select * from {{ ref('stg_surveys__mentor_contracts') }}

),

physicians as (

    select * from {{ ref('dim_physicians') }}

),

overdue as (

    select
        deliverables.deliverable_id,
        deliverables.contract_id,
        deliverables.description,
        deliverables.due_date,
        {{ as_of_date() }} as as_of_date
    from deliverables
    where
        deliverables.due_date < {{ as_of_date() }}
        and coalesce(deliverables.completed_on > {{ as_of_date() }}, true)

),

final as (

    select
        overdue.deliverable_id,
        overdue.contract_id,
        overdue.description as deliverable_description,
        overdue.due_date,
        overdue.as_of_date - overdue.due_date as days_overdue,
        contracts.tier as contract_tier,
        contracts.status as contract_status,
        contracts.signed_on as contract_signed_on,
        contracts.mentor_id,
        mentors.full_name as mentor_name,
        contracts.mentee_id,
        mentees.full_name as mentee_name,
        mentees.program as mentee_program,
        overdue.as_of_date
    from overdue
    inner join contracts
        on overdue.contract_id = contracts.contract_id
    left join physicians as mentors
        on contracts.mentor_id = mentors.physician_id
    left join physicians as mentees
        on contracts.mentee_id = mentees.physician_id
    where coalesce(contracts.status, 'active') not in ('draft', 'terminated')

)

select * from final
