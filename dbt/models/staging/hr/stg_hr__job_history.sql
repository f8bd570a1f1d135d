with

source as (

    {{ latest_version(source('hr', 'job_history'), ['worker_id', 'effective_date']) }}

),

renamed as (

    select
        -- ids
        worker_id || '|' || cast(effective_date as text) as job_history_id,
        worker_id as physician_id,

        -- attributes
        role as role_code,
        cast(pgy_level as integer) as pgy_level,
        department,
        specialty,
        nullif(program, '') as program,
        title,

        -- dates
        effective_date,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of,
        _record_hash as record_hash

    from source

)

select * from renamed
