{{ config(schema='restricted', grants={'select': ['leadership_auditor']}) }}

{#
    Each resident's match outcome per quarter and tier, next to their demographics,
    unpivoted one attribute per row. Individual-level: restricted schema only.
#}

with

matches as (

    select * from {{ ref('int_resident_tier_matches') }}

),

demographics as (

    select * from {{ ref('stg_hr__demographics') }}

),

attributes as (

    select
        physician_id,
        'gender' as attribute,
        gender as group_value
    from demographics
    union all
    select
        physician_id,
        'race_ethnicity' as attribute,
        race_ethnicity as group_value
    from demographics
    union all
    select
        physician_id,
        'underrepresented_in_medicine' as attribute,
        case when underrepresented_in_medicine then 'yes' else 'no' end as group_value
    from demographics
    union all
    select
        physician_id,
        'first_generation' as attribute,
        case when first_generation then 'yes' else 'no' end as group_value
    from demographics

),

final as (

    select
        matches.resident_id,
        matches.quarter,
        matches.tier,
        attributes.attribute,
        coalesce(attributes.group_value, 'not recorded') as group_value,
        matches.is_matched,
        matches.score
    from matches
    inner join attributes
        on matches.resident_id = attributes.physician_id

)

select * from final
