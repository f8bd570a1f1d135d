with

mentor_quarters as (

    select * from {{ ref('int_mentor_quarters') }}

),

activity_logs as (

    select * from {{ ref('stg_surveys__activity_logs') }}

),

physicians as (

    select * from {{ ref('dim_physicians') }}

),

exposure_logs as (

    select
        mentor_quarters.mentor_quarter_id,
        count(*) as exposure_logs,
        sum(coalesce(activity_logs.minutes, 0)) as exposure_minutes,
        max(activity_logs.activity_date) as last_exposure_on
    from mentor_quarters
    inner join activity_logs
        on
            mentor_quarters.mentor_id = activity_logs.mentor_id
            and activity_logs.activity_date
            between mentor_quarters.quarter_start and mentor_quarters.observed_until
    where activity_logs.activity_type = 'leadership_exposure'
    group by mentor_quarters.mentor_quarter_id

),

final as (

    select
        mentor_quarters.mentor_quarter_id,
        mentor_quarters.mentor_id,
        physicians.full_name as mentor_name,
        physicians.department as mentor_department,
        physicians.current_role_code as mentor_role_code,
        mentor_quarters.quarter,
        mentor_quarters.quarter_start,
        mentor_quarters.quarter_end,
        mentor_quarters.quarter_end <= {{ as_of_date() }} as is_quarter_complete,
        mentor_quarters.tiers,
        mentor_quarters.mentees,
        coalesce(exposure_logs.exposure_logs, 0) as exposure_logs,
        coalesce(exposure_logs.exposure_minutes, 0) as exposure_minutes,
        exposure_logs.last_exposure_on,
        coalesce(exposure_logs.exposure_logs, 0) >= 1 as is_compliant
    from mentor_quarters
    left join exposure_logs
        on mentor_quarters.mentor_quarter_id = exposure_logs.mentor_quarter_id
    left join physicians
        on mentor_quarters.mentor_id = physicians.physician_id

)

select * from final
