with

components as (

    select * from {{ ref('int_readiness_components') }}

),

weights as (

    select * from {{ ref('lrs_weights') }}

),

final as (

    select
        components.resident_id,
        components.quarter,
        components.lrs_dimension,
        components.component,
        components.component_score,
        components.observations,
        components.evidence_ids,
        weights.weight,
        weights.weight / sum(weights.weight) over (
            partition by components.resident_id, components.quarter, components.lrs_dimension
        ) as effective_weight
    from components
    inner join weights
        on
            components.lrs_dimension = weights.lrs_dimension
            and components.component = weights.component

)

select * from final
