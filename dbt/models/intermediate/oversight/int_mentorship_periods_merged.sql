with

assignments as (

    select * from {{ ref('stg_program__assignments') }}

),

known_validity as (

    select
        mentor_id,
        resident_id,
        tier,
        valid_from,
        least(
            coalesce(valid_to, {{ as_of_date() }} + 1),
            {{ as_of_date() }} + 1
        ) as valid_until
    from assignments
    where valid_from <= {{ as_of_date() }}

),

ordered as (

    select
        *,
        max(valid_until) over (
            partition by mentor_id, resident_id
            order by valid_from, valid_until
            rows between unbounded preceding and 1 preceding
        ) as previous_valid_until
    from known_validity
    where valid_until > valid_from

),

islands as (

    select
        *,
        sum(
            case
                when previous_valid_until is null or valid_from > previous_valid_until then 1
                else 0
            end
        ) over (
            partition by mentor_id, resident_id
            order by valid_from, valid_until
            rows between unbounded preceding and current row
        ) as period_number
    from ordered

),

final as (

    select
        mentor_id || '|' || resident_id || '|' || period_number as mentorship_period_id,
        mentor_id,
        resident_id,
        period_number,
        string_agg(distinct tier, ', ' order by tier) as tiers,
        min(valid_from) as period_start,
        max(valid_until) as period_until,
        count(*) as assignment_rows
    from islands
    group by
        mentor_id,
        resident_id,
        period_number

)

select * from final
