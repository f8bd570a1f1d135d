with

source as (

    {{ latest_version(source('surveys', 'activity_logs'), ['log_id']) }}

),

renamed as (

    select
        -- ids
        log_id,
        mentor_id,
        mentee_id,

        -- attributes
        activity_type,
        cast(minutes as integer) as minutes,
        notes,

        -- dates
        activity_date,
        submitted_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
