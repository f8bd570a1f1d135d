{{ config(schema='restricted', grants={'select': ['leadership_auditor']}) }}

with

source as (

    {{ latest_version(source('hr', 'demographics'), ['worker_id']) }}

),

renamed as (

    select
        -- ids
        worker_id as physician_id,

        -- attributes
        gender,
        race_ethnicity,
        underrepresented_in_medicine,
        first_generation,

        -- lineage
        _batch_id as batch_id,
        _as_of as source_as_of

    from source

)

select * from renamed
