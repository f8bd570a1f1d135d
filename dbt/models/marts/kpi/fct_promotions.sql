with

physicians as (

    select * from {{ ref('dim_physicians') }}

),

steps as (

    select
        physician_id,
        'residency_to_fellowship' as promotion_step,
        residency_started_on as from_date,
        fellowship_started_on as promoted_on
    from physicians

    union all

    select
        physician_id,
        'fellowship_to_attending' as promotion_step,
        fellowship_started_on as from_date,
        attending_since as promoted_on
    from physicians

    union all

    select
        physician_id,
        'residency_to_attending' as promotion_step,
        residency_started_on as from_date,
        attending_since as promoted_on
    from physicians

    union all

    select
        physician_id,
        'attending_to_division_chief' as promotion_step,
        attending_since as from_date,
        first_division_chief_on as promoted_on
    from physicians

    union all

    select
        physician_id,
        'attending_to_chair' as promotion_step,
        attending_since as from_date,
        first_chair_on as promoted_on
    from physicians

),

final as (

    select
        steps.physician_id || '|' || steps.promotion_step as promotion_id,
        steps.physician_id,
        steps.promotion_step,
        steps.from_date,
        steps.promoted_on,
        steps.promoted_on - steps.from_date as days_between,
        round((steps.promoted_on - steps.from_date) / 365.25, 2) as years_between,
        {{ quarter_of('steps.promoted_on') }} as promoted_quarter,
        physicians.department,
        physicians.specialty,
        coalesce(
            'entered ' || extract(year from physicians.residency_started_on)::int,
            'faculty since ' || extract(year from physicians.attending_since)::int,
            'unknown'
        ) as cohort
    from steps
    inner join physicians
        on steps.physician_id = physicians.physician_id
    where
        steps.from_date is not null
        and steps.promoted_on is not null
        and steps.promoted_on >= steps.from_date

)

select * from final
