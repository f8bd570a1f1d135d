with

ratings as (

    select * from {{ ref('stg_surveys__satisfaction_ratings') }}

),

final as (

    select
        mentor_id,
        tier,
        avg(rating) as past_rating,
        count(*) as n_ratings
    from ratings
    where submitted_at < {{ as_of_date() }} + interval '1 day'
    group by mentor_id, tier

)

select * from final
