with

dimensions as (

    select * from {{ ref('lrs_dimensions') }}

),

final as (

    select
        lrs_dimension,
        dimension_label,
        sort_order
    from dimensions

)

select * from final
