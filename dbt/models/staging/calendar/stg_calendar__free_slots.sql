with

source as (

    {{ latest_version(source('calendar', 'free_slots'), ['mentor_id', 'week_start']) }}

),

renamed as (

    select
        -- ids
        mentor_id || '|' || cast(week_start as text) as free_slot_week_id,
        mentor_id,

        -- attributes
        cast(free_slots as integer) as free_slots,
        cast(busy_minutes as integer) as busy_minutes,
        cast(working_slots as integer) as working_slots,
        calendar_source,

        -- dates
        week_start,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
