with

physician_quarters as (

    select * from {{ ref('int_physician_quarters_observed') }}

),

slices as (

    select * from {{ ref('int_physician_quarter_slices') }}

),

active_at_start as (

    select
        physician_quarter_id,
        quarter,
        quarter_start,
        quarter_end,
        observed_until,
        is_active_at_observed_end as is_retained
    from physician_quarters
    where is_active_at_start

),

counted as (

    select
        active_at_start.quarter,
        active_at_start.quarter_start,
        active_at_start.quarter_end,
        active_at_start.observed_until,
        slices.slice_type,
        slices.slice_value,
        count(*) as physicians_active_at_start,
        count(*) filter (where active_at_start.is_retained) as physicians_retained
    from active_at_start
    inner join slices
        on active_at_start.physician_quarter_id = slices.physician_quarter_id
    where slices.slice_type in ('overall', 'cohort', 'specialty', 'mentor_tier')
    group by
        active_at_start.quarter,
        active_at_start.quarter_start,
        active_at_start.quarter_end,
        active_at_start.observed_until,
        slices.slice_type,
        slices.slice_value

),

final as (

    select
        quarter || '|' || slice_type || '|' || slice_value as retention_id,
        quarter,
        quarter_start,
        quarter_end,
        observed_until,
        slice_type,
        slice_value,
        physicians_active_at_start,
        physicians_retained,
        physicians_active_at_start - physicians_retained as physicians_left,
        round(physicians_retained * 1.0 / physicians_active_at_start, 4) as retention_rate
    from counted

)

select * from final
