with

pods as (

    select * from {{ ref('pods') }}

),

dimensions as (

    select * from {{ ref('lrs_dimensions') }}

),

final as (

    select
        pods.pod_code,
        pods.pod_title,
        pods.course_code_prefix,
        pods.lrs_dimension,
        dimensions.dimension_label,
        pods.duration_hours
    from pods
    inner join dimensions
        on pods.lrs_dimension = dimensions.lrs_dimension

)

select * from final
