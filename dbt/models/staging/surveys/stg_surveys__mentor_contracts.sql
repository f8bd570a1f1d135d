with

source as (

    {{ latest_version(source('surveys', 'mentor_contracts'), ['contract_id']) }}

),

renamed as (

    select
        -- ids
        contract_id,
        mentor_id,
        mentee_id,

        -- attributes
        tier,
        status,

        -- dates
        signed_on,
        start_date,
        end_date,
        submitted_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
