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
    scores, the components' trace) do not compute the weights each on its own. The
    confidence and meetings inputs come summed per quarter by tables that only survey
    batches rebuild (int_confidence_quarters, int_mentee_activity_quarters): a daily build
    reads them rather than sums them again.
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

confidence_quarters as (

    select * from {{ ref('int_confidence_quarters') }}

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

mentee_activity as (

    select * from {{ ref('int_mentee_activity_quarters') }}

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
        confidence_quarters.lrs_dimension,
        'confidence' as component,
        confidence_quarters.score_sum
        / nullif(confidence_quarters.scored, 0) as component_score,
        confidence_quarters.answers as observations,
        confidence_quarters.response_ids as evidence_ids
    from residents
    inner join confidence_quarters
        on
            residents.resident_id = confidence_quarters.resident_id
            and residents.quarter = confidence_quarters.quarter

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
        least(
            mentee_activity.entries * 100.0 / {{ var('meetings_per_quarter_target') }}, 100
        ) as component_score,
        mentee_activity.entries as observations,
        mentee_activity.log_ids as evidence_ids
    from residents
    inner join mentee_activity
        on
            residents.resident_id = mentee_activity.mentee_id
            and residents.quarter = mentee_activity.quarter

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
