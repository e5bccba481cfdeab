-- Every views_gained in tiktok_organic__video_daily is the difference of the raw video_snapshots'
-- views of that account and video between that day and the previous snapshot (Display rows of a
-- connection reading one account name none: their connection's one).
with raw_snapshots as (
    {{ tiktok_organic_union('video_snapshots', [
        ['video_id', ['id', 'item_id'], 'string'],
        ['account_id', ['business_id', 'open_id'], 'string'],
        ['raw_date', ['date'], 'date'],
        ['views', ['view_count', 'video_views'], 'bigint'],
    ]) }}
)

select mart.*
from {{ ref('tiktok_organic__video_daily') }} as mart
where mart.views_gained is not null
    and not exists (
        select 1
        from raw_snapshots as on_the_day
        inner join raw_snapshots as previous_snapshot
            on on_the_day.source_relation = previous_snapshot.source_relation
            and on_the_day.video_id = previous_snapshot.video_id
        where on_the_day.source_relation = mart.source_relation
            and coalesce(on_the_day.account_id, mart.account_id) = mart.account_id
            and coalesce(previous_snapshot.account_id, mart.account_id) = mart.account_id
            and on_the_day.video_id = mart.video_id
            and on_the_day.raw_date = mart.date_day
            and previous_snapshot.raw_date = mart.previous_date_day
            and on_the_day.views - previous_snapshot.views = mart.views_gained
    )
