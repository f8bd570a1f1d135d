{{
    config(
        materialized='incremental',
        unique_key='response_id',
        incremental_strategy='delete+insert',
        post_hook="{{ ensure_primary_key('response_id, lrs_dimension') }}",
    )
}}

{#
    Each confidence-survey response's answers summed per LRS dimension: what the readiness
    components read, so that every build does not group every answer of every quarter
    again (110,000 answers at institution scale, millions across a network), only those of
    the responses that gained or changed an answer since the last run: a changed response
    is summed again from all its answers and replaces its rows (delete+insert by response).
#}

with

answers as (

    select * from {{ ref('fct_confidence_answers') }}

),

final as (

    select
        answers.response_id,
        answers.lrs_dimension,
        answers.resident_id,
        answers.quarter,
        sum((answers.answer - 1) / 4.0 * 100) as score_sum,
        count(answers.answer) as scored,
        count(*) as answers,
        max(answers.batch_id) as batch_id
    from answers
    {% if is_incremental() %}
        where answers.response_id in (
            select changed.response_id
            from answers as changed
            where changed.batch_id > (
                select coalesce(max(previous.batch_id), 0) from {{ this }} as previous
            )
        )
    {% endif %}
    group by answers.response_id, answers.lrs_dimension, answers.resident_id, answers.quarter

)

select * from final
