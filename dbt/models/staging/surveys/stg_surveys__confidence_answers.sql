with

source as (

    {{ latest_version(source('surveys', 'confidence_answers'), ['response_id', 'item_id']) }}

),

renamed as (

    select
        -- ids
        response_id || '|' || item_id as confidence_answer_id,
        response_id,
        respondent_id as resident_id,
        item_id,

        -- attributes
        quarter,
        cast(answer as integer) as answer,

        -- timestamps
        submitted_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
