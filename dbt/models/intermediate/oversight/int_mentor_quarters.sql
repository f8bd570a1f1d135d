with

assignment_quarters as (

    select * from {{ ref('int_assignment_quarters') }}

),

final as (

    select
        mentor_id || '|' || quarter as mentor_quarter_id,
        mentor_id,
        quarter,
        quarter_start,
        quarter_end,
        observed_until,
        string_agg(distinct tier, ', ' order by tier) as tiers,
        count(distinct resident_id) as mentees
    from assignment_quarters
    group by
        mentor_id,
        quarter,
        quarter_start,
        quarter_end,
        observed_until

)

select * from final
