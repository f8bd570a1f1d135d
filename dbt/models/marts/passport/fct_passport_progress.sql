with

physicians as (

    select * from {{ ref('dim_physicians') }}

),

milestones as (

    select * from {{ ref('dim_milestones') }}

),

stamps as (

    select * from {{ ref('fct_passport_stamps') }}

),

stages as (

    select distinct stage from milestones

),

catalog as (

    select
        stage,
        count(*) as milestones_total
    from milestones
    group by stage

),

stamped as (

    select
        physician_id,
        stage,
        count(*) as milestones_stamped,
        max(stamped_at) as last_stamped_at
    from stamps
    group by physician_id, stage

),

final as (

    select
        physicians.physician_id || '|' || stages.stage as passport_progress_id,
        physicians.physician_id,
        stages.stage,
        catalog.milestones_total,
        coalesce(stamped.milestones_stamped, 0) as milestones_stamped,
        round(coalesce(stamped.milestones_stamped, 0) * 100.0 / catalog.milestones_total, 1)
            as progress_pct,
        stamped.last_stamped_at,
        physicians.blueprint_stage = stages.stage as is_current_stage
    from physicians
    cross join stages
    inner join catalog
        on stages.stage = catalog.stage
    left join stamped
        on
            physicians.physician_id = stamped.physician_id
            and stages.stage = stamped.stage

)

select * from final
