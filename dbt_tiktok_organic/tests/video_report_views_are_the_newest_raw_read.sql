-- Every video's views in tiktok_organic__video_report is what the newest raw read of the video
-- (videos, or business_videos of the row's account) says.
with raw_videos as (
    {{ tiktok_organic_union('videos', [
        ['video_id', ['id'], 'string'],
        ['account_id', ['open_id'], 'string'],
        ['views', ['view_count'], 'bigint'],
    ]) }}
    union all
    {{ tiktok_organic_union('business_videos', [
        ['video_id', ['item_id'], 'string'],
        ['account_id', ['business_id'], 'string'],
        ['views', ['video_views'], 'bigint'],
    ]) }}
),

newest as (
    select source_relation, account_id, video_id, max(airbyte_extracted_at) as airbyte_extracted_at
    from raw_videos
    group by source_relation, account_id, video_id
)

select mart.*
from {{ ref('tiktok_organic__video_report') }} as mart
where not exists (
    select 1
    from raw_videos
    inner join newest
        on raw_videos.source_relation = newest.source_relation
        and coalesce(raw_videos.account_id, '') = coalesce(newest.account_id, '')
        and raw_videos.video_id = newest.video_id
        and raw_videos.airbyte_extracted_at = newest.airbyte_extracted_at
    where raw_videos.source_relation = mart.source_relation
        and coalesce(raw_videos.account_id, mart.account_id) = mart.account_id
        and raw_videos.video_id = mart.video_id
        and raw_videos.views = mart.views
)
