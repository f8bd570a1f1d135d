with

source as (

    {{ latest_version(source('lms', 'courses'), ['course_id']) }}

),

renamed as (

    select
        -- ids
        course_id,
        course_code,
        sis_course_id,
        account_id,

        -- attributes
        name as course_name,
        workflow_state,

        -- timestamps
        start_at as starts_at,
        end_at as ends_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
