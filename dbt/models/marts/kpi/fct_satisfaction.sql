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
        ratings.response_id,
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

sliced as (

    select
        response_id,
        'overall' as slice_type,
        'all' as slice_value
    from rated

    union all

    select
        response_id,
        'mentor_tier' as slice_type,
        tier as slice_value
    from rated

    union all

    select
        response_id,
        'specialty' as slice_type,
        specialty as slice_value
    from rated

    union all

    select
        response_id,
        'cohort' as slice_type,
        cohort as slice_value
    from rated

),

aggregated as (

    select
        rated.quarter,
        rated.quarter_start,
        rated.quarter_end,
        sliced.slice_type,
        sliced.slice_value,
        count(*) as ratings,
        sum(rated.rating) as rating_sum
    from rated
    inner join sliced
        on rated.response_id = sliced.response_id
    group by
        rated.quarter,
        rated.quarter_start,
        rated.quarter_end,
        sliced.slice_type,
        sliced.slice_value

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
