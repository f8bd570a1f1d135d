with

ratings as (

    select * from {{ ref('stg_surveys__satisfaction_ratings') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

physician_quarters as (

    select * from {{ ref('int_physician_quarters_observed') }}

),

rated as (

    select
        ratings.quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        ratings.tier,
        ratings.rating,
        coalesce(physician_quarters.cohort, 'unknown') as cohort,
        coalesce(physician_quarters.specialty, 'unknown') as specialty
    from ratings
    inner join quarters
        on ratings.quarter = quarters.quarter
    left join physician_quarters
        on
            ratings.resident_id = physician_quarters.physician_id
            and ratings.quarter = physician_quarters.quarter
    where
        ratings.rating is not null
        and ratings.submitted_at < {{ as_of_date() }} + interval '1 day'

),

combinations as (

    -- a few hundred (quarter, tier, specialty, cohort) combinations: counted once, then
    -- added up per slice, instead of every rating repeated for each of its four slices
    select
        quarter,
        quarter_start,
        quarter_end,
        tier,
        specialty,
        cohort,
        count(*) as ratings,
        sum(rating) as rating_sum
    from rated
    group by
        quarter,
        quarter_start,
        quarter_end,
        tier,
        specialty,
        cohort

),

sliced as (

    -- each combination once per slice it falls in (overall, its tier, specialty, cohort)
    select
        combinations.quarter,
        combinations.quarter_start,
        combinations.quarter_end,
        slices.slice_type,
        slices.slice_value,
        combinations.ratings,
        combinations.rating_sum
    from combinations
    cross join lateral (
        values
        ('overall', 'all'),
        ('mentor_tier', combinations.tier),
        ('specialty', combinations.specialty),
        ('cohort', combinations.cohort)
    ) as slices (slice_type, slice_value)

),

aggregated as (

    select
        quarter,
        quarter_start,
        quarter_end,
        slice_type,
        slice_value,
        cast(sum(ratings) as bigint) as ratings,
        cast(sum(rating_sum) as bigint) as rating_sum
    from sliced
    group by
        quarter,
        quarter_start,
        quarter_end,
        slice_type,
        slice_value

),

final as (

    select
        quarter || '|' || slice_type || '|' || slice_value as satisfaction_id,
        quarter,
        quarter_start,
        quarter_end,
        slice_type,
        slice_value,
        ratings,
        rating_sum,
        round(rating_sum * 1.0 / ratings, 2) as mean_rating,
        round((rating_sum - ratings) * 25.0 / ratings, 2) as satisfaction_index
    from aggregated

)

select * from final
