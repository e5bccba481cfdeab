-- tiktok_organic__posts holds exactly the videos of the raw videos and business_videos streams (its
-- 'own' posts) and the posts of the raw business_mentioned_posts stream (its 'mention' posts).
with raw_ids as (
    select source_relation, video_id, 'own' as post_source from (
        {{ tiktok_organic_union('videos', [['video_id', ['id'], 'string']]) }}
    ) as display_videos
    union all
    select source_relation, video_id, 'own' as post_source from (
        {{ tiktok_organic_union('business_videos', [['video_id', ['item_id'], 'string']]) }}
    ) as business_videos
    union all
    select source_relation, video_id, 'mention' as post_source from (
        {{ tiktok_organic_union('business_mentioned_posts', [['video_id', ['item_id'], 'string']]) }}
    ) as mentioned_posts
),

raw_posts as (
    select distinct source_relation, video_id, post_source from raw_ids
),

posts as (
    select source_relation, post_id, post_source from {{ ref('tiktok_organic__posts') }}
)

select raw_posts.source_relation, raw_posts.video_id, 'missing from the mart' as problem
from raw_posts
where not exists (
    select 1 from posts
    where posts.source_relation = raw_posts.source_relation
        and posts.post_id = raw_posts.video_id
        and posts.post_source = raw_posts.post_source
)
union all
select posts.source_relation, posts.post_id, 'not a raw video or mentioned post' as problem
from posts
where not exists (
    select 1 from raw_posts
    where posts.source_relation = raw_posts.source_relation
        and posts.post_id = raw_posts.video_id
        and posts.post_source = raw_posts.post_source
)
