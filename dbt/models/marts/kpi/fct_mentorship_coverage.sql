with

physician_quarters as (

    select * from {{ ref('int_physician_quarters_observed') }}

),

slices as (

    select * from {{ ref('int_physician_quarter_slices') }}

),

assignment_quarters as (

    select * from {{ ref('int_assignment_quarters') }}

),

tiers as (

    {{ mentor_tier_rows() }}

),

residents_at_end as (

    select
        physician_quarter_id,
        physician_id,
        quarter,
        quarter_start,
        quarter_end,
        observed_until
    from physician_quarters
    where
        role_code = 'resident'
        and is_active_at_observed_end

),

mentored_at_end as (

    select distinct
        resident_id,
        quarter,
        tier
    from assignment_quarters
    where is_valid_at_quarter_end

),

resident_tiers as (

    select
        residents_at_end.physician_quarter_id,
        residents_at_end.quarter,
        residents_at_end.quarter_start,
        residents_at_end.quarter_end,
        residents_at_end.observed_until,
        tiers.tier,
        tiers.tier_order,
        mentored_at_end.resident_id is not null as has_mentor
    from residents_at_end
    cross join tiers
    left join mentored_at_end
        on
            residents_at_end.physician_id = mentored_at_end.resident_id
            and residents_at_end.quarter = mentored_at_end.quarter
            and tiers.tier = mentored_at_end.tier

),

aggregated as (

    select
        resident_tiers.quarter,
        resident_tiers.quarter_start,
        resident_tiers.quarter_end,
        resident_tiers.observed_until,
        resident_tiers.tier,
        resident_tiers.tier_order,
        slices.slice_type,
        slices.slice_value,
        count(*) as residents_active_at_end,
        count(*) filter (where resident_tiers.has_mentor) as residents_with_mentor
    from resident_tiers
    inner join slices
        on resident_tiers.physician_quarter_id = slices.physician_quarter_id
    where slices.slice_type in ('overall', 'program', 'specialty', 'cohort')
    group by
        resident_tiers.quarter,
        resident_tiers.quarter_start,
        resident_tiers.quarter_end,
        resident_tiers.observed_until,
        resident_tiers.tier,
        resident_tiers.tier_order,
        slices.slice_type,
        slices.slice_value

),

final as (

    select
        quarter || '|' || tier || '|' || slice_type || '|' || slice_value as coverage_id,
        quarter,
        quarter_start,
        quarter_end,
        observed_until,
        tier,
        tier_order,
        slice_type,
        slice_value,
        residents_active_at_end,
        residents_with_mentor,
        residents_active_at_end - residents_with_mentor as residents_without_mentor,
        round(residents_with_mentor * 1.0 / residents_active_at_end, 4) as coverage_rate
    from aggregated

)

select * from final
