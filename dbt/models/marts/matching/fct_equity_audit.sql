{#
    The matching equity audit: per quarter, tier and demographic group, the match
    rate, the mean match score and the impact ratio against the best-served group
    (four-fifths rule: a ratio under 0.8 is flagged). For the chair_sponsor tier the
    match rate is sponsor access. Groups under var('equity_min_group_size') residents
    are suppressed (counts and rates withheld) so no individual can be singled out.
#}

with

residents as (

    select * from {{ ref('int_equity_audit_residents') }}

),

grouped as (

    select
        quarter,
        tier,
        attribute,
        group_value,
        count(*) as residents,
        count(*) filter (where is_matched) as matched_residents,
        avg(score) filter (where is_matched) as mean_score
    from residents
    group by quarter, tier, attribute, group_value

),

rated as (

    select
        *,
        residents >= {{ var('equity_min_group_size') }} as is_reported,
        matched_residents * 1.0 / residents as match_rate
    from grouped

),

best as (

    select
        quarter,
        tier,
        attribute,
        max(match_rate) as best_rate
    from rated
    where is_reported
    group by quarter, tier, attribute

),

final as (

    select
        rated.quarter || '|' || rated.tier || '|' || rated.attribute || '|' || rated.group_value
            as equity_audit_id,
        rated.quarter,
        rated.tier,
        rated.attribute,
        rated.group_value,
        case when rated.is_reported then cast(rated.residents as integer) end as residents,
        case when rated.is_reported then cast(rated.matched_residents as integer) end
            as matched_residents,
        case when rated.is_reported then cast(round(rated.match_rate, 4) as numeric(6, 4)) end
            as match_rate,
        case when rated.is_reported then cast(round(rated.mean_score, 4) as numeric(6, 4)) end
            as mean_score,
        case
            when rated.is_reported and best.best_rate > 0
                then cast(round(rated.match_rate / best.best_rate, 4) as numeric(6, 4))
        end as impact_ratio,
        coalesce(
            rated.is_reported and best.best_rate > 0 and rated.match_rate / best.best_rate < 0.8,
            false
        ) as four_fifths_flag,
        not rated.is_reported as is_suppressed
    from rated
    left join best
        on
            rated.quarter = best.quarter
            and rated.tier = best.tier
            and rated.attribute = best.attribute

)

select * from final
