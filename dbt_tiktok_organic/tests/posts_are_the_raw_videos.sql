-- tiktok_organic__posts holds exactly the videos of the raw videos and business_videos streams.
with raw_ids as (
    {{ tiktok_organic_union('videos', [['video_id', ['id'], 'string']]) }}
    union all
    {{ tiktok_organic_union('business_videos', [['video_id', ['item_id'], 'string']]) }}
),

raw_posts as (
    select distinct source_relation, video_id from raw_ids
),

posts as (
    select source_relation, post_id from {{ ref('tiktok_organic__posts') }}
)

select raw_posts.source_relation, raw_posts.video_id, 'missing from the mart' as problem
from raw_posts
where not exists (
    select 1 from posts
    where posts.source_relation = raw_posts.source_relation and posts.post_id = raw_posts.video_id
)
union all
select posts.source_relation, posts.post_id, 'not a raw video' as problem
from posts
where not exists (
    select 1 from raw_posts
    where posts.source_relation = raw_posts.source_relation and posts.post_id = raw_posts.video_id
)
