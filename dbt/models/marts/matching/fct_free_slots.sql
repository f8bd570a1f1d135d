{{
    config(
        materialized='incremental',
        unique_key='free_slot_week_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ ensure_primary_key('free_slot_week_id') }}"
    )
}}

{#
    Free one-hour working slots per mentor and week. Incremental: a run merges only the
    weeks published since the last one (raw batch ids only grow), replacing older counts.
#}

with

free_slots as (

    select * from {{ ref('stg_calendar__free_slots') }}

),

final as (

    select
        free_slot_week_id,
        mentor_id,
        week_start,
        free_slots,
        busy_minutes,
        working_slots,
        calendar_source,
        batch_id
    from free_slots
    {% if is_incremental() %}
        where batch_id > (
            select coalesce(max(previous.batch_id), 0) from {{ this }} as previous
        )
    {% endif %}

)

select * from final
