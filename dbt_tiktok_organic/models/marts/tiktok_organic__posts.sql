{#- The post-level columns of Fivetran's social media rollup (dbt_social_media_reporting), so that
    TikTok unions with its other networks: impressions are video views, clicks the API for
    Business's website, phone, email, address and app-download clicks (null in Display mode). -#}
with videos as (
    select * from {{ ref('tiktok_organic__video_report') }}
),

accounts as (
    select source_relation, account_id, max(coalesce(display_name, username)) as page_name
    from {{ ref('int_tiktok_organic__accounts') }}
    group by source_relation, account_id
)

select
    videos.created_at as created_timestamp,
    videos.video_id as post_id,
    videos.caption as post_message,
    videos.share_url as post_url,
    videos.account_id as page_id,
    accounts.page_name,
    'tiktok' as platform,
    videos.clicks,
    videos.views as impressions,
    videos.likes,
    videos.shares,
    videos.comments,
    videos.source_relation
from videos
left join accounts
    on videos.source_relation = accounts.source_relation
    and videos.account_id = accounts.account_id
