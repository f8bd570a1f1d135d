{#
    Every evidence component of every LRS dimension, per resident and quarter:

    confidence    mean over the dimension's Likert items answered in the quarter of (x - 1) / 4 * 100
    pod_rubric    mean over the dimension's pods of the latest graded capstone by the quarter's
                  end: rubric points / rubric maximum * 100
    milestones    stamped / catalogued milestones of the dimension for the resident's stage,
                  by the quarter's end (present once one is stamped)
    meetings      activity-log entries naming the resident as mentee in the quarter, against
                  var('meetings_per_quarter_target'), capped at 100 (mentorship engagement)
    deliverables  share of the resident's contract deliverables due in the quarter that were
                  completed on time (mentorship engagement)

    A component exists only when it has observations: no data is not a zero. Each carries
    its seed weight (lrs_weights) and its effective weight, the seed weight over those of
    the dimension's components present, so that the marts reading it (the dimensions'
    scores, the components' trace) do not compute the weights each on its own.
#}

{# read by several models: computed once #}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(
            primary_key=['resident_id', 'quarter', 'lrs_dimension', 'component'],
            not_null=['component_score'],
            check='component_score between 0 and 100',
        ) }}",
    )
}}

with

residents as (

    select * from {{ ref('int_residents_by_quarter') }}

),

confidence_responses as (

    -- each response's answers summed per dimension, kept by an incremental model: the
    -- join with the residents' quarters, and the sort the evidence list needs, see a
    -- response once rather than once per answer (millions of answers at network scale),
    -- and a build does not group every answer again
    select * from {{ ref('int_confidence_responses') }}

),

rubric_scores as (

    select * from {{ ref('int_pod_rubric_scores') }}

),

stamps as (

    select * from {{ ref('fct_passport_stamps') }}

),

milestones as (

    select * from {{ ref('milestones') }}

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

weights as (

    select * from {{ ref('lrs_weights') }}

),

confidence as (

    select
        residents.resident_id,
        residents.quarter,
        confidence_responses.lrs_dimension,
        'confidence' as component,
        sum(confidence_responses.score_sum)
        / nullif(sum(confidence_responses.scored), 0) as component_score,
        cast(sum(confidence_responses.answers) as bigint) as observations,
        string_agg(
            confidence_responses.response_id, ',' order by confidence_responses.response_id
        ) as evidence_ids
    from residents
    inner join confidence_responses
        on
            residents.resident_id = confidence_responses.resident_id
            and residents.quarter = confidence_responses.quarter
    group by residents.resident_id, residents.quarter, confidence_responses.lrs_dimension

),

latest_pod_scores as (

    select distinct on (residents.resident_id, residents.quarter, rubric_scores.pod_code)
        residents.resident_id,
        residents.quarter,
        rubric_scores.pod_code,
        rubric_scores.lrs_dimension,
        rubric_scores.score_pct,
        rubric_scores.submission_id
    from residents
    inner join rubric_scores
        on
            residents.resident_id = rubric_scores.physician_id
            and rubric_scores.graded_at < residents.quarter_end + interval '1 day'
    order by
        residents.resident_id asc,
        residents.quarter asc,
        rubric_scores.pod_code asc,
        rubric_scores.graded_at desc

),

pod_rubric as (

    select
        resident_id,
        quarter,
        lrs_dimension,
        'pod_rubric' as component,
        avg(score_pct) as component_score,
        count(*) as observations,
        string_agg(cast(submission_id as text), ',' order by submission_id) as evidence_ids
    from latest_pod_scores
    group by resident_id, quarter, lrs_dimension

),

catalog as (

    select
        stage,
        lrs_dimension,
        count(*) as catalogued
    from milestones
    group by stage, lrs_dimension

),

milestone_stamps as (

    select
        residents.resident_id,
        residents.quarter,
        stamps.lrs_dimension,
        'milestones' as component,
        count(*) * 100.0 / max(catalog.catalogued) as component_score,
        count(*) as observations,
        string_agg(stamps.milestone_code, ',' order by stamps.milestone_code) as evidence_ids
    from residents
    inner join stamps
        on
            residents.resident_id = stamps.physician_id
            and residents.blueprint_stage = stamps.stage
            and stamps.stamped_at < residents.quarter_end + interval '1 day'
    inner join catalog
        on
            stamps.stage = catalog.stage
            and stamps.lrs_dimension = catalog.lrs_dimension
    group by residents.resident_id, residents.quarter, stamps.lrs_dimension

),

meetings as (

    select
        residents.resident_id,
        residents.quarter,
        'mentorship_engagement' as lrs_dimension,
        'meetings' as component,
        least(count(*) * 100.0 / {{ var('meetings_per_quarter_target') }}, 100) as component_score,
        count(*) as observations,
        string_agg(activity_logs.log_id, ',' order by activity_logs.log_id) as evidence_ids
    from residents
    inner join activity_logs
        on
            residents.resident_id = activity_logs.mentee_id
            and activity_logs.activity_date
            between residents.quarter_start and residents.quarter_end
    group by residents.resident_id, residents.quarter

),

on_time_deliverables as (

    select
        residents.resident_id,
        residents.quarter,
        'mentorship_engagement' as lrs_dimension,
        'deliverables' as component,
        avg(
            case
                when
                    deliverables.completed_on is not null
                    and deliverables.completed_on <= deliverables.due_date
                    then 100.0
                else 0.0
            end
        ) as component_score,
        count(*) as observations,
        string_agg(deliverables.deliverable_id, ',' order by deliverables.deliverable_id)
            as evidence_ids
    from residents
    inner join contracts
        on residents.resident_id = contracts.mentee_id
    inner join deliverables
        on contracts.contract_id = deliverables.contract_id
    where
        deliverables.due_date between residents.quarter_start and residents.quarter_end
        and deliverables.due_date <= {{ as_of_date() }}
    group by residents.resident_id, residents.quarter

),

components as (

    select * from confidence
    union all
    select * from pod_rubric
    union all
    select * from milestone_stamps
    union all
    select * from meetings
    union all
    select * from on_time_deliverables

),

final as (

    select
        components.resident_id,
        components.quarter,
        components.lrs_dimension,
        components.component,
        components.component_score,
        components.observations,
        components.evidence_ids,
        weights.weight,
        weights.weight / sum(weights.weight) over (
            partition by components.resident_id, components.quarter, components.lrs_dimension
        ) as effective_weight
    from components
    inner join weights
        on
            components.lrs_dimension = weights.lrs_dimension
            and components.component = weights.component

)

select * from final
