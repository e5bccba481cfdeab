{#- The post-level columns of Fivetran's social media rollup (dbt_social_media_reporting), so that
    TikTok unions with its other networks: impressions are video views, clicks the API for
    Business's website, phone, email, address and app-download clicks (null in Display mode).
    post_source says whose post it is: 'own' (the account's video) or 'mention' (a post by someone
    else that mentions the account, from the Mentions API; page_id is the mentioned account). -#}
with videos as (
    select * from {{ ref('tiktok_organic__video_report') }}
),

mentions as (
    select * from {{ ref('stg_tiktok_organic__business_mentioned_posts') }}
),

accounts as (
    select source_relation, account_id, max(coalesce(display_name, username)) as page_name
    from {{ ref('int_tiktok_organic__accounts') }}
    group by source_relation, account_id
),

posts as (
    select
        created_at, video_id as post_id, caption, share_url as post_url, account_id, clicks, views,
        likes, shares, comments, source_relation, 'own' as post_source
    from videos
    union all
    select
        created_at, post_id, caption, post_url, account_id, cast(null as {{ dbt.type_bigint() }}) as clicks,
        views, likes, shares, comments, source_relation, 'mention' as post_source
    from mentions
)

select
    posts.created_at as created_timestamp,
    posts.post_id,
    posts.caption as post_message,
    posts.post_url,
    posts.account_id as page_id,
    accounts.page_name,
    'tiktok' as platform,
    posts.clicks,
    posts.views as impressions,
    posts.likes,
    posts.shares,
    posts.comments,
    posts.post_source,
    posts.source_relation
from posts
left join accounts
    on posts.source_relation = accounts.source_relation
    and posts.account_id = accounts.account_id
