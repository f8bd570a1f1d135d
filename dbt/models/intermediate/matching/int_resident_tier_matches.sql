{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['resident_id', 'quarter', 'tier']) }}",
    )
}}

with

residents as (

    select * from {{ ref('int_residents_by_quarter') }}

),

assignments as (

    select * from {{ ref('stg_program__assignments') }}

),

tiers as (

    select tier
    from (values ('peer'), ('attending'), ('chair_sponsor')) as tier_list (tier)

),

final as (

    select
        residents.resident_id,
        residents.quarter,
        tiers.tier,
        assignments.mentor_id,
        assignments.score,
        assignments.assignment_id is not null as is_matched
    from residents
    cross join tiers
    left join assignments
        on
            residents.resident_id = assignments.resident_id
            and tiers.tier = assignments.tier
            and residents.quarter_end >= assignments.valid_from
            and (assignments.valid_to is null or residents.quarter_end < assignments.valid_to)

)

select * from final
