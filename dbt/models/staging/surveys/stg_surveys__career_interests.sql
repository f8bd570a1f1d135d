with

source as (

    {{ latest_version(source('surveys', 'career_interests'), ['response_id']) }}

),

renamed as (

    select
        -- ids
        response_id,
        respondent_id as physician_id,

        -- attributes
        respondent_role,
        tags,
        cast(capacity as integer) as capacity,

        -- timestamps
        submitted_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
