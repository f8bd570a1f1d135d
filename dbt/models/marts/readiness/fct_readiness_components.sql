with

components as (

    select * from {{ ref('int_readiness_components') }}

),

final as (

    select
        resident_id || '|' || quarter || '|' || lrs_dimension || '|' || component
            as readiness_component_id,
        resident_id,
        quarter,
        lrs_dimension,
        component,
        cast(round(component_score, 2) as numeric(6, 2)) as component_score,
        cast(observations as integer) as observations,
        cast(weight as numeric(6, 4)) as seed_weight,
        cast(round(effective_weight, 4) as numeric(6, 4)) as effective_weight,
        evidence_ids
    from components

)

select * from final
