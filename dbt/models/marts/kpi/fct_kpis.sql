with

retention as (

    select * from {{ ref('fct_retention') }}

),

promotion_velocity as (

    select * from {{ ref('fct_promotion_velocity') }}

),

satisfaction as (

    select * from {{ ref('fct_satisfaction') }}

),

coverage as (

    select * from {{ ref('fct_mentorship_coverage') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

unioned as (

    select
        quarter,
        'retention_rate' as metric,
        'proportion' as unit,
        slice_type,
        slice_value,
        cast(physicians_retained as numeric) as numerator,
        cast(physicians_active_at_start as numeric) as denominator,
        retention_rate as value
    from retention

    union all

    select
        quarter,
        'promotion_years_' || promotion_step as metric,
        'years' as unit,
        slice_type,
        slice_value,
        total_years as numerator,
        cast(promotions as numeric) as denominator,
        mean_years as value
    from promotion_velocity

    union all

    select
        quarter,
        'satisfaction_index' as metric,
        'index_0_100' as unit,
        slice_type,
        slice_value,
        (rating_sum - ratings) * 25.0 as numerator,
        cast(ratings as numeric) as denominator,
        satisfaction_index as value
    from satisfaction

    union all

    select
        quarter,
        'satisfaction_mean_rating' as metric,
        'rating_1_5' as unit,
        slice_type,
        slice_value,
        cast(rating_sum as numeric) as numerator,
        cast(ratings as numeric) as denominator,
        mean_rating as value
    from satisfaction

    union all

    select
        quarter,
        'mentorship_coverage_' || tier as metric,
        'proportion' as unit,
        slice_type,
        slice_value,
        cast(residents_with_mentor as numeric) as numerator,
        cast(residents_active_at_end as numeric) as denominator,
        coverage_rate as value
    from coverage

),

final as (

    select
        unioned.metric || '|' || unioned.quarter || '|' || unioned.slice_type || '|'
        || unioned.slice_value as kpi_id,
        unioned.quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        quarters.observed_until,
        unioned.metric,
        unioned.unit,
        unioned.slice_type,
        unioned.slice_value,
        unioned.numerator,
        unioned.denominator,
        unioned.value
    from unioned
    inner join quarters
        on unioned.quarter = quarters.quarter

)

select * from final
