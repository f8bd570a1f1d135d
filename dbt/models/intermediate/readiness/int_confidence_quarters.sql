{#
    The confidence component's inputs per resident, quarter and dimension: the answers'
    (x - 1) / 4 * 100 summed, how many were scored and answered, and the responses' ids.
    A table, rebuilt when survey answers arrive, not by every build: the readiness
    components read it for every resident's quarters each day, and summing the responses
    again there was the largest part of their query.
#}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['resident_id', 'quarter', 'lrs_dimension']) }}",
    )
}}

with

responses as (

    select * from {{ ref('int_confidence_responses') }}

),

final as (

    select
        resident_id,
        quarter,
        lrs_dimension,
        sum(score_sum) as score_sum,
        sum(scored) as scored,
        cast(sum(answers) as bigint) as answers,
        string_agg(response_id, ',' order by response_id) as response_ids
    from responses
    group by resident_id, quarter, lrs_dimension

)

select * from final
