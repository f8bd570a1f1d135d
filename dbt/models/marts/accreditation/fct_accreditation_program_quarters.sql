with

program_residents as (

    select * from {{ ref('int_program_resident_quarters') }}

),

events as (

    select * from {{ ref('int_program_activity_events') }}

),

coverage as (

    select * from {{ ref('fct_mentorship_coverage') }}

),

quarters as (

    select * from {{ ref('int_quarters') }}

),

programs as (

    select
        program,
        quarter,
        mode() within group (order by department) as department,
        count(*) as residents_in_program,
        count(*) filter (where is_mentorship_eligible) as residents_eligible_for_mentors
    from program_residents
    group by program, quarter

),

activities as (

    select
        program,
        quarter,
        count(distinct physician_id) as residents_reached,
        count(distinct evidence_id) filter (
            where activity_category = 'skill_pod_enrollment'
        ) as pod_enrollments,
        count(distinct evidence_id) filter (
            where activity_category = 'skill_pod_completion'
        ) as pod_completions,
        count(distinct physician_id) filter (
            where activity_category = 'skill_pod_completion'
        ) as residents_completing_pods,
        count(distinct evidence_id) filter (
            where activity_category = 'passport_milestone'
        ) as milestones_stamped,
        count(distinct evidence_id) filter (
            where activity_category = 'passport_milestone' and activity_code = 'lead_qi_project'
        ) as qi_projects,
        count(distinct mentor_id) filter (
            where activity_category = 'mentorship' and activity_code = 'peer'
        ) as peer_mentors,
        count(distinct mentor_id) filter (
            where activity_category = 'mentorship' and activity_code = 'attending'
        ) as attending_mentors,
        count(distinct mentor_id) filter (
            where activity_category = 'mentorship' and activity_code = 'chair_sponsor'
        ) as chair_sponsors
    from events
    group by program, quarter

),

program_coverage as (

    select
        slice_value as program,
        quarter,
        max(residents_with_mentor * 100.0 / residents_active_at_end) filter (
            where tier = 'peer'
        ) as peer_coverage_pct,
        max(residents_with_mentor * 100.0 / residents_active_at_end) filter (
            where tier = 'attending'
        ) as attending_coverage_pct,
        max(residents_with_mentor * 100.0 / residents_active_at_end) filter (
            where tier = 'chair_sponsor'
        ) as chair_sponsor_coverage_pct
    from coverage
    where slice_type = 'program'
    group by slice_value, quarter

),

final as (

    select
        programs.program || '|' || programs.quarter as accreditation_program_quarter_id,
        programs.program,
        programs.department,
        programs.quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        programs.residents_in_program,
        coalesce(activities.residents_reached, 0) as residents_reached,
        round(coalesce(activities.residents_reached, 0) * 100.0 / programs.residents_in_program, 1)
            as residents_reached_pct,
        coalesce(activities.pod_enrollments, 0) as pod_enrollments,
        coalesce(activities.pod_completions, 0) as pod_completions,
        coalesce(activities.residents_completing_pods, 0) as residents_completing_pods,
        coalesce(activities.milestones_stamped, 0) as milestones_stamped,
        coalesce(activities.qi_projects, 0) as qi_projects,
        coalesce(activities.peer_mentors, 0) as peer_mentors,
        coalesce(activities.attending_mentors, 0) as attending_mentors,
        coalesce(activities.chair_sponsors, 0) as chair_sponsors,
        programs.residents_eligible_for_mentors,
        round(program_coverage.peer_coverage_pct, 1) as peer_coverage_pct,
        round(program_coverage.attending_coverage_pct, 1) as attending_coverage_pct,
        round(program_coverage.chair_sponsor_coverage_pct, 1) as chair_sponsor_coverage_pct
    from programs
    inner join quarters
        on programs.quarter = quarters.quarter
    left join activities
        on
            programs.program = activities.program
            and programs.quarter = activities.quarter
    left join program_coverage
        on
            programs.program = program_coverage.program
            and programs.quarter = program_coverage.quarter

)

select * from final
