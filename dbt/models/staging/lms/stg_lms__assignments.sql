with

source as (

    {{ latest_version(source('lms', 'assignments'), ['assignment_id']) }}

),

renamed as (

    select
        -- ids
        assignment_id,
        course_id,

        -- attributes
        name as assignment_name,
        points_possible,
        rubric,

        -- timestamps
        due_at,
        updated_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
