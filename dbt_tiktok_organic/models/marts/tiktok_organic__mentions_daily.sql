{#- Brand x day: who talked about the brand that day. The posts and comments are counted on the UTC
    day they were posted; views, likes and comments are the mentioning posts' counts as last read
    (views count only the posts past 1,000, the rest being null at TikTok). -#}
with mentions as (
    select
        source_relation, account_id, cast(created_at as date) as date_day,
        1 as mentioned_posts, views, likes, comments, creator_handle_name,
        0 as comment_mentions, 0 as brand_hashtag_posts
    from {{ ref('stg_tiktok_organic__business_mentioned_posts') }}
    union all
    select
        source_relation, account_id, cast(created_at as date) as date_day,
        0, null, null, null, null,
        1, 0
    from {{ ref('stg_tiktok_organic__business_mentioned_comments') }}
    union all
    select
        source_relation, account_id, cast(created_at as date) as date_day,
        0, null, null, null, null,
        0, 1
    from {{ ref('stg_tiktok_organic__business_brand_hashtag_posts') }}
),

labels as (
    select source_relation, account_id, max(account_label) as account_label
    from {{ ref('int_tiktok_organic__accounts') }}
    group by 1, 2
),

days as (
    select
        source_relation,
        account_id,
        date_day,
        cast(sum(mentioned_posts) as {{ dbt.type_bigint() }}) as mentioned_posts,
        cast(coalesce(sum(views), 0) as {{ dbt.type_bigint() }}) as mentioned_post_views,
        cast(coalesce(sum(likes), 0) as {{ dbt.type_bigint() }}) as mentioned_post_likes,
        cast(coalesce(sum(comments), 0) as {{ dbt.type_bigint() }}) as mentioned_post_comments,
        cast(count(distinct creator_handle_name) as {{ dbt.type_bigint() }}) as mentioning_creators,
        cast(sum(comment_mentions) as {{ dbt.type_bigint() }}) as comment_mentions,
        cast(sum(brand_hashtag_posts) as {{ dbt.type_bigint() }}) as brand_hashtag_posts
    from mentions
    where date_day is not null
    group by 1, 2, 3
)

select
    days.source_relation,
    days.account_id,
    labels.account_label,
    days.date_day,
    days.mentioned_posts,
    days.mentioned_post_views,
    days.mentioned_post_likes,
    days.mentioned_post_comments,
    days.mentioning_creators,
    days.comment_mentions,
    days.brand_hashtag_posts
from days
left join labels
    on days.source_relation = labels.source_relation
    and days.account_id = labels.account_id
