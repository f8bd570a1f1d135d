with

free_slots as (

    select * from {{ ref('stg_calendar__free_slots') }}

),

upcoming as (

    select
        mentor_id,
        free_slots
    from free_slots
    where
        week_start >= date_trunc('week', {{ as_of_date() }})
        and week_start < date_trunc('week', {{ as_of_date() }})
        + interval '1 week' * {{ var('availability_weeks') }}

),

final as (

    select
        mentor_id,
        round(avg(free_slots), 1) as free_slots_per_week,
        count(*) as weeks_observed
    from upcoming
    group by mentor_id

)

select * from final
