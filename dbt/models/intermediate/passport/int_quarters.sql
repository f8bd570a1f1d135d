with

spine as (

    {{ quarter_spine() }}

),

final as (

    select
        quarter,
        quarter_start,
        quarter_end,
        least(quarter_end, {{ as_of_date() }}) as observed_until
    from spine

)

select * from final
