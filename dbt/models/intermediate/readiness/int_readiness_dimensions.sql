with

components as (

    select * from {{ ref('int_readiness_components') }}

),

final as (

    select
        resident_id,
        quarter,
        lrs_dimension,
        sum(component_score * effective_weight) as dimension_score,
        count(*) as components_present
    from components
    group by resident_id, quarter, lrs_dimension

)

select * from final
