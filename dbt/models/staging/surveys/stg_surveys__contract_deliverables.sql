with

source as (

    {{ latest_version(source('surveys', 'contract_deliverables'), ['deliverable_id']) }}

),

renamed as (

    select
        -- ids
        deliverable_id,
        contract_id,

        -- attributes
        description,

        -- dates
        due_date,
        completed_on,
        submitted_at,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
