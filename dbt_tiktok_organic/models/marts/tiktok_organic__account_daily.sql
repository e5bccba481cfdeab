{#- Account x day, the same columns from either mode. From business_profile_daily where the account
    has it (TikTok's daily metrics; the net change is TikTok's daily_total_followers when given);
    otherwise from the differences between consecutive profile_snapshots, with views, comments and
    shares summed over the videos' gains of that day (profile views: only the API for Business).
    Every step is keyed by (source_relation, account_id): a business connection may read several
    accounts. account_label is the name the connection's config gives the account, if any. -#}
with business_days as (
    select
        source_relation,
        account_id,
        date_day,
        followers,
        coalesce(
            followers_net_change,
            followers - lag(followers) over (partition by source_relation, account_id order by date_day)
        ) as followers_net_change,
        followers_gained,
        followers_lost,
        views,
        likes,
        comments,
        shares,
        profile_views,
        'business_profile_daily' as computed_from
    from {{ ref('stg_tiktok_organic__business_profile_daily') }}
),

snapshot_days as (
    select
        source_relation,
        account_id,
        date_day,
        followers,
        followers - lag(followers) over (partition by source_relation, account_id order by date_day)
            as followers_net_change,
        likes_total - lag(likes_total) over (partition by source_relation, account_id order by date_day)
            as likes
    from {{ ref('stg_tiktok_organic__profile_snapshots') }}
),

video_gains as (
    select
        source_relation,
        account_id,
        date_day,
        cast(sum(views_gained) as {{ dbt.type_bigint() }}) as views,
        cast(sum(likes_gained) as {{ dbt.type_bigint() }}) as likes,
        cast(sum(comments_gained) as {{ dbt.type_bigint() }}) as comments,
        cast(sum(shares_gained) as {{ dbt.type_bigint() }}) as shares
    from {{ ref('tiktok_organic__video_daily') }}
    group by source_relation, account_id, date_day
),

from_snapshots as (
    select
        snapshot_days.source_relation,
        snapshot_days.account_id,
        snapshot_days.date_day,
        snapshot_days.followers,
        snapshot_days.followers_net_change,
        cast(null as {{ dbt.type_bigint() }}) as followers_gained,
        cast(null as {{ dbt.type_bigint() }}) as followers_lost,
        video_gains.views,
        -- The profile's like total counts every video, also those no longer snapshotted.
        coalesce(snapshot_days.likes, video_gains.likes) as likes,
        video_gains.comments,
        video_gains.shares,
        cast(null as {{ dbt.type_bigint() }}) as profile_views,
        'profile_snapshots' as computed_from
    from snapshot_days
    left join video_gains
        on snapshot_days.source_relation = video_gains.source_relation
        and snapshot_days.account_id = video_gains.account_id
        and snapshot_days.date_day = video_gains.date_day
    where not exists (
        select 1
        from business_days
        where business_days.source_relation = snapshot_days.source_relation
            and business_days.account_id = snapshot_days.account_id
    )
),

days as (
    select * from business_days
    union all
    select * from from_snapshots
)

select
    days.source_relation,
    days.account_id,
    account_labels.account_label,
    days.date_day,
    days.followers,
    days.followers_net_change,
    days.followers_gained,
    days.followers_lost,
    days.views,
    days.likes,
    days.comments,
    days.shares,
    days.profile_views,
    days.computed_from
from days
left join {{ ref('int_tiktok_organic__account_labels') }} as account_labels
    on days.source_relation = account_labels.source_relation
    and days.account_id = account_labels.account_id
