with

promotions as (

    select * from {{ ref('fct_promotions') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

physician_quarters as (

    select * from {{ ref('int_physician_quarters_observed') }}

),

assignments as (

    select * from {{ ref('stg_program__assignments') }}

),

promotions_by_quarter as (

    select
        quarters.quarter,
        quarters.quarter_end,
        quarters.observed_until,
        promotions.promotion_id,
        promotions.physician_id,
        promotions.promotion_step,
        promotions.promoted_on,
        promotions.days_between,
        coalesce(physician_quarters.cohort, 'unknown') as cohort,
        coalesce(physician_quarters.specialty, 'unknown') as specialty
    from promotions
    inner join quarters
        on promotions.promoted_on <= quarters.observed_until
    left join physician_quarters
        on
            promotions.physician_id = physician_quarters.physician_id
            and quarters.quarter = physician_quarters.quarter

),

mentored_before_promotion as (

    select distinct
        promotions_by_quarter.quarter,
        promotions_by_quarter.promotion_id,
        assignments.tier
    from promotions_by_quarter
    inner join assignments
        on
            promotions_by_quarter.physician_id = assignments.resident_id
            and promotions_by_quarter.promoted_on >= assignments.valid_from
            and assignments.valid_from <= {{ as_of_date() }}

),

sliced as (

    select
        quarter,
        promotion_id,
        'overall' as slice_type,
        'all' as slice_value
    from promotions_by_quarter

    union all

    select
        quarter,
        promotion_id,
        'cohort' as slice_type,
        cohort as slice_value
    from promotions_by_quarter

    union all

    select
        quarter,
        promotion_id,
        'specialty' as slice_type,
        specialty as slice_value
    from promotions_by_quarter

    union all

    select
        quarter,
        promotion_id,
        'mentor_tier' as slice_type,
        tier as slice_value
    from mentored_before_promotion

),

aggregated as (

    select
        promotions_by_quarter.quarter,
        promotions_by_quarter.quarter_end,
        promotions_by_quarter.observed_until,
        promotions_by_quarter.promotion_step,
        sliced.slice_type,
        sliced.slice_value,
        count(*) as promotions,
        sum(promotions_by_quarter.days_between) as total_days,
        min(promotions_by_quarter.days_between) as min_days,
        max(promotions_by_quarter.days_between) as max_days
    from promotions_by_quarter
    inner join sliced
        on
            promotions_by_quarter.quarter = sliced.quarter
            and promotions_by_quarter.promotion_id = sliced.promotion_id
    group by
        promotions_by_quarter.quarter,
        promotions_by_quarter.quarter_end,
        promotions_by_quarter.observed_until,
        promotions_by_quarter.promotion_step,
        sliced.slice_type,
        sliced.slice_value

),

final as (

    select
        quarter || '|' || promotion_step || '|' || slice_type || '|' || slice_value
            as promotion_velocity_id,
        quarter,
        quarter_end,
        observed_until,
        promotion_step,
        slice_type,
        slice_value,
        promotions,
        round(total_days / 365.25, 4) as total_years,
        round(total_days / 365.25 / promotions, 2) as mean_years,
        round(min_days / 365.25, 2) as min_years,
        round(max_days / 365.25, 2) as max_years
    from aggregated

)

select * from final
