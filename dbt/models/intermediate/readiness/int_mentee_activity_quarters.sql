{#
    Activity-log entries naming each mentee, per calendar quarter of the activity: how
    many, and their ids. A table, rebuilt when activity logs arrive, not by every build:
    the readiness components' meetings read it for every resident's quarters each day.
#}
{{
    config(
        materialized='table',
        post_hook="{{ enforce_constraints(primary_key=['mentee_id', 'quarter']) }}",
    )
}}

with

activity_logs as (

    select * from {{ ref('stg_surveys__activity_logs') }}

),

final as (

    select
        mentee_id,
        {{ quarter_of('activity_date') }} as quarter,
        count(*) as entries,
        string_agg(log_id, ',' order by log_id) as log_ids
    from activity_logs
    where mentee_id is not null and activity_date is not null
    group by mentee_id, {{ quarter_of('activity_date') }}

)

select * from final
