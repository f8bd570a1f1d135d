with

events as (

    select * from {{ ref('int_program_activity_events') }}

),

program_residents as (

    select * from {{ ref('int_program_resident_quarters') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

pods as (

    select * from {{ ref('pods') }}

),

milestones as (

    select * from {{ ref('milestones') }}

),

tiers as (

    {{ mentor_tier_rows() }}

),

activity_names as (

    select
        'skill_pod_enrollment' as activity_category,
        pod_code as activity_code,
        pod_title || ' (skill pod, enrolled)' as activity_name
    from pods

    union all

    select
        'skill_pod_completion' as activity_category,
        pod_code as activity_code,
        pod_title || ' (skill pod, completed)' as activity_name
    from pods

    union all

    select
        'passport_milestone' as activity_category,
        milestone_code as activity_code,
        milestone_title as activity_name
    from milestones

    union all

    select
        'mentorship' as activity_category,
        tier as activity_code,
        tier_label as activity_name
    from tiers

),

program_sizes as (

    select
        program,
        quarter,
        count(*) as residents_in_program
    from program_residents
    group by program, quarter

),

aggregated as (

    select
        program,
        quarter,
        activity_category,
        activity_code,
        count(distinct evidence_id) as activity_count,
        count(distinct physician_id) as residents_reached,
        count(distinct mentor_id) as mentors
    from events
    group by program, quarter, activity_category, activity_code

),

final as (

    select
        aggregated.program || '|' || aggregated.quarter || '|' || aggregated.activity_category
        || '|' || aggregated.activity_code as accreditation_activity_id,
        aggregated.program,
        aggregated.quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        aggregated.activity_category,
        aggregated.activity_code,
        coalesce(activity_names.activity_name, aggregated.activity_code) as activity_name,
        aggregated.activity_count,
        aggregated.residents_reached,
        case
            when aggregated.activity_category = 'mentorship' then aggregated.mentors
        end as mentors,
        program_sizes.residents_in_program,
        round(aggregated.residents_reached * 100.0 / program_sizes.residents_in_program, 1)
            as residents_reached_pct
    from aggregated
    inner join quarters
        on aggregated.quarter = quarters.quarter
    inner join program_sizes
        on
            aggregated.program = program_sizes.program
            and aggregated.quarter = program_sizes.quarter
    left join activity_names
        on
            aggregated.activity_category = activity_names.activity_category
            and aggregated.activity_code = activity_names.activity_code

)

select * from final
