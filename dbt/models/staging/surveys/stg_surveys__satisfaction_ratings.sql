with

source as (

    {{ latest_version(source('surveys', 'satisfaction_ratings'), ['response_id']) }}

),

renamed as (

    select
        -- ids
        response_id,
        respondent_id as resident_id,
        mentor_id,

        -- attributes
        tier,
        quarter,
        cast(rating as integer) as rating,
        comments,

        -- timestamps
        submitted_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
