with

milestones as (

    select * from {{ ref('milestones') }}

),

pod_completions as (

    select * from {{ ref('int_pod_completions') }}

),

activity_logs as (

    select * from {{ ref('stg_surveys__activity_logs') }}

),

contracts as (

    select * from {{ ref('stg_surveys__mentor_contracts') }}

),

deliverables as (

    select * from {{ ref('stg_surveys__contract_deliverables') }}

),

job_history as (

    select * from {{ ref('stg_hr__job_history') }}

),

from_pods as (

    select
        pod_completions.physician_id,
        milestones.milestone_code,
        'lms' as evidence_source,
        cast(pod_completions.enrollment_id as text) as evidence_id,
        pod_completions.completed_at as evidenced_at
    from milestones
    inner join pod_completions
        on milestones.evidence_key = pod_completions.pod_code
    where milestones.evidence_type = 'lms_pod_completion'

),

from_logs as (

    select
        case
            when milestones.evidence_role = 'mentor' then activity_logs.mentor_id
            else activity_logs.mentee_id
        end as physician_id,
        milestones.milestone_code,
        'activity_log' as evidence_source,
        activity_logs.log_id as evidence_id,
        cast(activity_logs.activity_date as timestamptz) as evidenced_at
    from milestones
    inner join activity_logs
        on milestones.evidence_key = activity_logs.activity_type
    where milestones.evidence_type = 'activity_log'

),

contracts_with_deliverables as (

    select
        contracts.contract_id,
        contracts.mentee_id,
        contracts.tier,
        contracts.signed_on
    from contracts
    where exists (
        select 1 from deliverables
        where deliverables.contract_id = contracts.contract_id
    )

),

from_contracts as (

    select
        contracts_with_deliverables.mentee_id as physician_id,
        milestones.milestone_code,
        'contract' as evidence_source,
        contracts_with_deliverables.contract_id as evidence_id,
        cast(contracts_with_deliverables.signed_on as timestamptz) as evidenced_at
    from milestones
    inner join contracts_with_deliverables
        on
            milestones.evidence_key = 'any'
            or milestones.evidence_key = contracts_with_deliverables.tier
    where milestones.evidence_type = 'contract'

),

from_roles as (

    select
        job_history.physician_id,
        milestones.milestone_code,
        'hr' as evidence_source,
        job_history.job_history_id as evidence_id,
        cast(job_history.effective_date as timestamptz) as evidenced_at
    from milestones
    inner join job_history
        on milestones.evidence_key = job_history.role_code
    where milestones.evidence_type = 'hr_role'

),

final as (

    select * from from_pods
    union all
    select * from from_logs
    union all
    select * from from_contracts
    union all
    select * from from_roles

)

select * from final
where physician_id is not null
