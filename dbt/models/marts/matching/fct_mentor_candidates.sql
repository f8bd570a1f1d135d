{#
    Mentor candidates per tier, in the matching engine's file shape (DESIGN.md, M.csv):
    peer = active PGY-2 and PGY-3 residents; attending = active attendings and division
    chiefs; chair_sponsor = active chairs and vice chairs. The engine applies the hard
    eligibility rules (same program, more senior, same department) per pair.
#}

with

physicians as (

    select * from {{ ref('dim_physicians') }}

),

interests as (

    select * from {{ ref('int_latest_career_interests') }}

),

availability as (

    select * from {{ ref('int_mentor_weekly_availability') }}

),

ratings as (

    select * from {{ ref('int_mentor_ratings') }}

),

tiered as (

    select
        physician_id,
        'peer' as tier,
        'resident' as mentor_role,
        {{ var('mentor_capacity_peer') }} as default_capacity
    from physicians
    where is_active and current_role_code = 'resident' and current_pgy_level in (2, 3)
    union all
    select
        physician_id,
        'attending' as tier,
        'attending' as mentor_role,
        {{ var('mentor_capacity_attending') }} as default_capacity
    from physicians
    where is_active and current_role_code in ('attending', 'division_chief')
    union all
    select
        physician_id,
        'chair_sponsor' as tier,
        current_role_code as mentor_role,
        {{ var('mentor_capacity_chair_sponsor') }} as default_capacity
    from physicians
    where is_active and current_role_code in ('chair', 'vice_chair')

),

final as (

    select
        tiered.physician_id || '|' || tiered.tier as mentor_candidate_id,
        tiered.physician_id as mentor_id,
        tiered.tier,
        physicians.program,
        physicians.department,
        physicians.specialty,
        case when tiered.tier = 'peer' then physicians.current_pgy_level end as pgy_level,
        tiered.mentor_role,
        coalesce(interests.tags, '') as expertise,
        availability.free_slots_per_week as free_slots,
        round(ratings.past_rating, 4) as past_rating,
        cast(coalesce(ratings.n_ratings, 0) as integer) as n_ratings,
        cast(coalesce(interests.capacity, tiered.default_capacity) as integer) as capacity
    from tiered
    inner join physicians
        on tiered.physician_id = physicians.physician_id
    left join interests
        on
            tiered.physician_id = interests.physician_id
            and interests.respondent_role = 'mentor'
    left join availability
        on tiered.physician_id = availability.mentor_id
    left join ratings
        on
            tiered.physician_id = ratings.mentor_id
            and tiered.tier = ratings.tier

)

select * from final
