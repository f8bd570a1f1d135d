with

periods as (

    select * from {{ ref('int_mentorship_periods_merged') }}

),

physicians as (

    select * from {{ ref('dim_physicians') }}

),

academic_years as (

    select
        cast(year_start as date) as academic_year_start,
        cast(year_start + interval '1 year' - interval '1 day' as date) as academic_year_end,
        cast(extract(year from year_start) as int) || '-'
        || cast(extract(year from year_start) + 1 as int) as academic_year
    from generate_series(
        (
            select
                cast(
                    make_date(
                        cast(extract(year from min(period_start)) as int)
                        - case when extract(month from min(period_start)) < 7 then 1 else 0 end,
                        7,
                        1
                    ) as timestamp
                )
            from periods
        ),
        cast({{ as_of_date() }} as timestamp),
        interval '1 year'
    ) as year_start

),

mentor_years as (

    select
        periods.mentor_id,
        academic_years.academic_year,
        academic_years.academic_year_start,
        academic_years.academic_year_end,
        count(distinct periods.resident_id) as residents_mentored,
        count(distinct periods.resident_id) filter (
            where periods.period_start <= academic_years.academic_year_start
            and periods.period_until > academic_years.academic_year_end
        ) as residents_mentored_full_year
    from periods
    inner join academic_years
        on
            periods.period_start <= academic_years.academic_year_end
            and periods.period_until > academic_years.academic_year_start
    group by
        periods.mentor_id,
        academic_years.academic_year,
        academic_years.academic_year_start,
        academic_years.academic_year_end

),

final as (

    select
        mentor_years.mentor_id || '|' || mentor_years.academic_year as mentor_fte_credit_id,
        mentor_years.mentor_id,
        physicians.full_name as mentor_name,
        physicians.department as mentor_department,
        physicians.current_role_code as mentor_role_code,
        mentor_years.academic_year,
        mentor_years.academic_year_start,
        mentor_years.academic_year_end,
        mentor_years.academic_year_end <= {{ as_of_date() }} as is_year_complete,
        mentor_years.residents_mentored,
        mentor_years.residents_mentored_full_year,
        round(
            mentor_years.residents_mentored_full_year
            * cast({{ var('fte_credit_per_resident_year') }} as numeric),
            4
        ) as fte_credit,
        {{ as_of_date() }} as as_of_date
    from mentor_years
    left join physicians
        on mentor_years.mentor_id = physicians.physician_id

)

select * from final
