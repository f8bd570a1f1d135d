{{
    config(
        materialized='incremental',
        unique_key='confidence_answer_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ ensure_primary_key('confidence_answer_id') }}"
    )
}}

{#
    Every confidence-survey answer with its LRS dimension. Incremental: a run adds only
    answers published (or re-published) since the last run (raw batch ids only grow).
#}

with

answers as (

    select * from {{ ref('stg_surveys__confidence_answers') }}

),

survey_items as (

    select * from {{ ref('survey_items') }}

),

final as (

    select
        answers.confidence_answer_id,
        answers.response_id,
        answers.resident_id,
        answers.quarter,
        answers.item_id,
        survey_items.lrs_dimension,
        answers.answer,
        cast(round((answers.answer - 1) / 4.0 * 100, 2) as numeric(6, 2)) as answer_score,
        answers.submitted_at,
        answers.batch_id
    from answers
    inner join survey_items
        on answers.item_id = survey_items.item_id
    {% if is_incremental() %}
        where answers.batch_id > (
            select coalesce(max(previous.batch_id), 0) from {{ this }} as previous
        )
    {% endif %}

)

select * from final
