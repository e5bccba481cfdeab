{#- One row per video: lifetime metrics from either mode, the engagement rate, watch time and
    completion where the API for Business gives them, days since posting, and the views gained over
    the last tiktok_organic_recent_days days of the account's snapshots. Keyed by connection,
    account and video: a connection (either API) may read several accounts, each row naming its own;
    a Display connection's rows that name none are its one account's (staging gives them the
    account). -#}
{%- set recent_days = var('tiktok_organic_recent_days', 7) %}
with videos as (
    select
        videos.source_relation,
        videos.account_id,
        videos.video_id,
        videos.created_at,
        coalesce(videos.title, videos.description) as title,
        videos.description as caption,
        videos.share_url,
        videos.duration_seconds,
        videos.views,
        videos.likes,
        videos.comments,
        videos.shares,
        cast(null as {{ dbt.type_bigint() }}) as favorites,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(null as {{ tiktok_organic_type_double() }}) as total_time_watched,
        cast(null as {{ tiktok_organic_type_double() }}) as average_time_watched,
        cast(null as {{ tiktok_organic_type_double() }}) as completion_rate,
        cast(null as {{ dbt.type_bigint() }}) as clicks,
        'videos' as computed_from
    from {{ ref('stg_tiktok_organic__videos') }} as videos
    union all
    select
        source_relation,
        account_id,
        video_id,
        created_at,
        caption as title,
        caption,
        share_url,
        duration_seconds,
        views,
        likes,
        comments,
        shares,
        favorites,
        reach,
        total_time_watched,
        average_time_watched,
        full_video_watched_rate as completion_rate,
        website_clicks + phone_number_clicks + email_clicks + address_clicks + app_download_clicks as clicks,
        'business_videos' as computed_from
    from {{ ref('stg_tiktok_organic__business_videos') }}
),

latest_snapshot as (
    select source_relation, account_id, max(date_day) as date_day
    from {{ ref('tiktok_organic__video_daily') }}
    group by source_relation, account_id
),

recent_gains as (
    select
        video_daily.source_relation,
        video_daily.account_id,
        video_daily.video_id,
        cast(sum(video_daily.views_gained) as {{ dbt.type_bigint() }}) as views_gained_recently
    from {{ ref('tiktok_organic__video_daily') }} as video_daily
    inner join latest_snapshot
        on video_daily.source_relation = latest_snapshot.source_relation
        and video_daily.account_id = latest_snapshot.account_id
    where video_daily.date_day > cast({{ dbt.dateadd('day', -recent_days, 'latest_snapshot.date_day') }} as date)
    group by video_daily.source_relation, video_daily.account_id, video_daily.video_id
)

select
    videos.source_relation,
    videos.account_id,
    account_labels.account_label,
    videos.video_id,
    videos.created_at,
    videos.title,
    videos.caption,
    videos.share_url,
    videos.duration_seconds,
    videos.views,
    videos.likes,
    videos.comments,
    videos.shares,
    videos.favorites,
    videos.reach,
    case
        when videos.views > 0
            then cast(videos.likes + videos.comments + videos.shares as {{ tiktok_organic_type_double() }}) / videos.views
    end as engagement_rate,
    videos.total_time_watched,
    videos.average_time_watched,
    videos.completion_rate,
    videos.clicks,
    {{ dbt.datediff('videos.created_at', dbt.current_timestamp(), 'day') }} as days_since_posting,
    recent_gains.views_gained_recently as recent_views_gained,
    videos.computed_from
from videos
left join recent_gains
    on videos.source_relation = recent_gains.source_relation
    and videos.account_id = recent_gains.account_id
    and videos.video_id = recent_gains.video_id
left join {{ ref('int_tiktok_organic__account_labels') }} as account_labels
    on videos.source_relation = account_labels.source_relation
    and videos.account_id = account_labels.account_id
