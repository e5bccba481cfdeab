{#- Who follows and when they are online, per account: the latest day's follower shares by age,
    gender, country and city (share: 0 to 1, or 0 to 100 where TikTok sends percents), and the
    followers online per UTC hour over the last tiktok_organic_recent_days days synced (each
    account's own latest days: a connection may read several accounts). -#}
{%- set recent_days = var('tiktok_organic_recent_days', 7) %}
with demographics as (
    select * from {{ ref('stg_tiktok_organic__business_follower_demographics') }}
),

latest_demographics as (
    select source_relation, account_id, max(date_day) as date_day
    from demographics
    group by source_relation, account_id
),

activity as (
    select * from {{ ref('stg_tiktok_organic__business_audience_activity') }}
),

latest_activity as (
    select source_relation, account_id, max(date_day) as date_day
    from activity
    group by source_relation, account_id
),

figures as (
    select
        demographics.source_relation,
        demographics.account_id,
        demographics.date_day,
        demographics.dimension,
        demographics.dimension_value,
        demographics.percentage as share,
        cast(null as {{ dbt.type_bigint() }}) as followers_online
    from demographics
    inner join latest_demographics
        on demographics.source_relation = latest_demographics.source_relation
        and demographics.account_id = latest_demographics.account_id
        and demographics.date_day = latest_demographics.date_day
    union all
    select
        activity.source_relation,
        activity.account_id,
        activity.date_day,
        'online_hour' as dimension,
        cast(activity.hour_of_day as {{ dbt.type_string() }}) as dimension_value,
        cast(null as {{ tiktok_organic_type_double() }}) as share,
        activity.followers_online
    from activity
    inner join latest_activity
        on activity.source_relation = latest_activity.source_relation
        and activity.account_id = latest_activity.account_id
    where activity.date_day > cast({{ dbt.dateadd('day', -recent_days, 'latest_activity.date_day') }} as date)
)

select
    figures.source_relation,
    figures.account_id,
    account_labels.account_label,
    figures.date_day,
    figures.dimension,
    figures.dimension_value,
    figures.share,
    figures.followers_online
from figures
left join {{ ref('int_tiktok_organic__account_labels') }} as account_labels
    on figures.source_relation = account_labels.source_relation
    and figures.account_id = account_labels.account_id
