with

interests as (

    select * from {{ ref('stg_surveys__career_interests') }}

),

final as (

    select distinct on (physician_id, respondent_role)
        physician_id,
        respondent_role,
        tags,
        capacity,
        submitted_at
    from interests
    where submitted_at < {{ as_of_date() }} + interval '1 day'
    order by physician_id asc, respondent_role asc, submitted_at desc, response_id desc

)

select * from final
