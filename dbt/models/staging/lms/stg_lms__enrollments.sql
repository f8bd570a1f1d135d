with

source as (

    {{ latest_version(source('lms', 'enrollments'), ['enrollment_id']) }}

),

renamed as (

    select
        -- ids
        enrollment_id,
        course_id,
        user_id as lms_user_id,
        sis_user_id as physician_id,

        -- attributes
        enrollment_type,
        enrollment_state,
        cast(requirement_count as integer) as requirement_count,
        cast(requirement_completed_count as integer) as requirement_completed_count,
        coalesce(enrollment_state = 'completed' or completed_at is not null, false) as is_completed,

        -- timestamps
        completed_at,
        updated_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
