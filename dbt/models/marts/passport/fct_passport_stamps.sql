with

evidence as (

    select * from {{ ref('int_milestone_evidence') }}

),

milestones as (

    select * from {{ ref('milestones') }}

),

first_evidence as (

    select distinct on (physician_id, milestone_code)
        physician_id,
        milestone_code,
        evidence_source,
        evidence_id,
        evidenced_at
    from evidence
    where evidenced_at <= {{ as_of_date() }} + interval '1 day'
    order by physician_id asc, milestone_code asc, evidenced_at asc, evidence_id asc

),

final as (

    select
        first_evidence.physician_id || '|' || first_evidence.milestone_code as stamp_id,
        first_evidence.physician_id,
        first_evidence.milestone_code,
        milestones.stage,
        milestones.lrs_dimension,
        first_evidence.evidence_source,
        first_evidence.evidence_id,
        first_evidence.evidenced_at as stamped_at,
        {{ quarter_of('first_evidence.evidenced_at') }} as stamped_quarter
    from first_evidence
    inner join milestones
        on first_evidence.milestone_code = milestones.milestone_code

)

select * from final
