with

milestones as (

    select * from {{ ref('milestones') }}

),

dimensions as (

    select * from {{ ref('lrs_dimensions') }}

),

final as (

    select
        milestones.milestone_code,
        milestones.stage,
        milestones.milestone_title,
        milestones.lrs_dimension,
        dimensions.dimension_label,
        milestones.evidence_type,
        milestones.evidence_key,
        milestones.evidence_role
    from milestones
    inner join dimensions
        on milestones.lrs_dimension = dimensions.lrs_dimension

)

select * from final
