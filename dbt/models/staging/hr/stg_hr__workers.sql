with

source as (

    {{ latest_version(source('hr', 'workers'), ['worker_id']) }}

),

renamed as (

    select
        -- ids
        worker_id as physician_id,

        -- attributes
        first_name,
        last_name,
        lower(email) as email,
        department,
        specialty,
        nullif(program, '') as program,

        -- dates
        hire_date,
        termination_date,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of,
        _record_hash as record_hash

    from source

)

select * from renamed
