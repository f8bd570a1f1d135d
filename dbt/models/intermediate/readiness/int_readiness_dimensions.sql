with

weighted as (

    select * from {{ ref('int_readiness_components_weighted') }}

),

final as (

    select
        resident_id,
        quarter,
        lrs_dimension,
        sum(component_score * effective_weight) as dimension_score,
        count(*) as components_present
    from weighted
    group by resident_id, quarter, lrs_dimension

)

select * from final
