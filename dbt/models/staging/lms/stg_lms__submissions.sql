with

source as (

    {{ latest_version(source('lms', 'submissions'), ['submission_id']) }}

),

renamed as (

    select
        -- ids
        submission_id,
        assignment_id,
        course_id,
        user_id as lms_user_id,

        -- attributes
        score,
        workflow_state,
        rubric_assessment,

        -- timestamps
        submitted_at,
        graded_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
