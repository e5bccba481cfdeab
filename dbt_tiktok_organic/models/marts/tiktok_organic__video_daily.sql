{#- Video x day: each video's counters on the days it was snapshotted, and what it gained since the
    previous snapshot (null on a video's first snapshot; spanning days_since_previous days when a
    day's sync was missed). Keyed by connection, account and video: a connection (either API) may
    read several accounts; a Display connection's rows that name no account are its one account's
    (staging gives them the account). -#}
with snapshots as (
    select
        source_relation,
        account_id,
        video_id,
        date_day,
        created_at,
        views,
        likes,
        comments,
        shares
    from {{ ref('stg_tiktok_organic__video_snapshots') }}
),

with_previous as (
    select
        snapshots.*,
        lag(date_day) over (partition by source_relation, account_id, video_id order by date_day) as previous_date_day,
        lag(views) over (partition by source_relation, account_id, video_id order by date_day) as previous_views,
        lag(likes) over (partition by source_relation, account_id, video_id order by date_day) as previous_likes,
        lag(comments) over (partition by source_relation, account_id, video_id order by date_day) as previous_comments,
        lag(shares) over (partition by source_relation, account_id, video_id order by date_day) as previous_shares
    from snapshots
)

select
    with_previous.source_relation,
    with_previous.account_id,
    account_labels.account_label,
    with_previous.video_id,
    with_previous.date_day,
    with_previous.created_at,
    with_previous.views,
    with_previous.likes,
    with_previous.comments,
    with_previous.shares,
    with_previous.views - with_previous.previous_views as views_gained,
    with_previous.likes - with_previous.previous_likes as likes_gained,
    with_previous.comments - with_previous.previous_comments as comments_gained,
    with_previous.shares - with_previous.previous_shares as shares_gained,
    with_previous.previous_date_day,
    {{ dbt.datediff('with_previous.previous_date_day', 'with_previous.date_day', 'day') }} as days_since_previous
from with_previous
left join {{ ref('int_tiktok_organic__account_labels') }} as account_labels
    on with_previous.source_relation = account_labels.source_relation
    and with_previous.account_id = account_labels.account_id
