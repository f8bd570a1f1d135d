{#
    The Leadership Readiness Score per resident and quarter (DESIGN.md): the mean of
    the dimensions present, computed only with at least var('lrs_min_dimensions') of
    them (otherwise "insufficient_data", never 0); below var('lrs_flag_threshold')
    the resident is flagged for a coaching session. The flag compares the score as
    shown, rounded to one decimal. fct_readiness_components traces every dimension
    to its inputs.
#}

with

residents as (

    select * from {{ ref('int_residents_by_quarter') }}

),

dimensions as (

    select * from {{ ref('int_readiness_dimensions') }}

),

dimension_order as (

    select * from {{ ref('lrs_dimensions') }}

),

pivoted as (

    select
        resident_id,
        quarter,
        max(dimension_score) filter (
            where lrs_dimension = 'strategic_insight'
        ) as strategic_insight,
        max(dimension_score) filter (
            where lrs_dimension = 'financial_acumen'
        ) as financial_acumen,
        max(dimension_score) filter (
            where lrs_dimension = 'team_leadership'
        ) as team_leadership,
        max(dimension_score) filter (
            where lrs_dimension = 'governance_experience'
        ) as governance_experience,
        max(dimension_score) filter (
            where lrs_dimension = 'mentorship_engagement'
        ) as mentorship_engagement,
        count(*) as dimensions_present,
        avg(dimension_score) as mean_of_dimensions
    from dimensions
    group by resident_id, quarter

),

weakest as (

    select distinct on (dimensions.resident_id, dimensions.quarter)
        dimensions.resident_id,
        dimensions.quarter,
        dimensions.lrs_dimension as weakest_dimension
    from dimensions
    inner join dimension_order
        on dimensions.lrs_dimension = dimension_order.lrs_dimension
    order by
        dimensions.resident_id asc,
        dimensions.quarter asc,
        dimensions.dimension_score asc,
        dimension_order.sort_order asc

),

scored as (

    select
        residents.resident_id,
        residents.quarter,
        residents.program,
        residents.department,
        residents.specialty,
        residents.cohort,
        residents.pgy_level,
        pivoted.strategic_insight,
        pivoted.financial_acumen,
        pivoted.team_leadership,
        pivoted.governance_experience,
        pivoted.mentorship_engagement,
        coalesce(pivoted.dimensions_present, 0) as dimensions_present,
        case
            when coalesce(pivoted.dimensions_present, 0) >= {{ var('lrs_min_dimensions') }}
                then round(pivoted.mean_of_dimensions, 1)
        end as lrs,
        weakest.weakest_dimension
    from residents
    left join pivoted
        on
            residents.resident_id = pivoted.resident_id
            and residents.quarter = pivoted.quarter
    left join weakest
        on
            residents.resident_id = weakest.resident_id
            and residents.quarter = weakest.quarter

),

final as (

    select
        resident_id || '|' || quarter as readiness_score_id,
        resident_id,
        quarter,
        program,
        department,
        specialty,
        cohort,
        cast(pgy_level as integer) as pgy_level,
        cast(round(strategic_insight, 1) as numeric(5, 1)) as strategic_insight,
        cast(round(financial_acumen, 1) as numeric(5, 1)) as financial_acumen,
        cast(round(team_leadership, 1) as numeric(5, 1)) as team_leadership,
        cast(round(governance_experience, 1) as numeric(5, 1)) as governance_experience,
        cast(round(mentorship_engagement, 1) as numeric(5, 1)) as mentorship_engagement,
        cast(dimensions_present as integer) as dimensions_present,
        cast(lrs as numeric(5, 1)) as lrs,
        case
            when lrs is null then 'insufficient_data'
            else 'scored'
        end as readiness_status,
        coalesce(lrs < {{ var('lrs_flag_threshold') }}, false) as is_flagged,
        weakest_dimension
    from scored

)

select * from final
