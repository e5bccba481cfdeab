-- Every day's followers in tiktok_organic__account_daily is the count the raw stream that fed it
-- holds for that account and day.
with raw_days as (
    {{ tiktok_organic_union('business_profile_daily', [
        ['account_id', ['business_id'], 'string'],
        ['raw_date', ['date'], 'date'],
        ['followers', ['followers_count'], 'bigint'],
    ]) }}
    union all
    {{ tiktok_organic_union('profile_snapshots', [
        ['account_id', ['open_id', 'business_id'], 'string'],
        ['raw_date', ['date'], 'date'],
        ['followers', ['follower_count', 'followers_count'], 'bigint'],
    ]) }}
)

select mart.*
from {{ ref('tiktok_organic__account_daily') }} as mart
where not exists (
    select 1
    from raw_days
    where raw_days.source_relation = mart.source_relation
        and raw_days.account_id = mart.account_id
        and raw_days.raw_date = mart.date_day
        and raw_days.followers = mart.followers
)
