with

physician_quarters as (

    select * from {{ ref('int_physician_quarters_observed') }}

),

final as (

    select
        physician_quarter_id,
        physician_id,
        quarter,
        quarter_start,
        quarter_end,
        program,
        department,
        role_code,
        is_active_at_observed_end,
        role_code = 'resident' and is_active_at_observed_end as is_mentorship_eligible
    from physician_quarters
    where
        is_trainee
        and program is not null
        and is_active_during_quarter

)

select * from final
