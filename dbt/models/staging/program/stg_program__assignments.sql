with

source as (

    select * from {{ source('program', 'assignments') }}

),

renamed as (

    select
        -- ids
        assignment_id,
        run_id,
        resident_id,
        mentor_id,
        kept_from as kept_from_assignment_id,

        -- attributes
        tier,
        cast(score as numeric) as score,
        cast(interest as numeric) as interest,
        cast(availability as numeric) as availability,
        cast(past_success as numeric) as past_success,
        notify,

        -- dates
        valid_from,
        valid_to

    from source

)

select * from renamed
