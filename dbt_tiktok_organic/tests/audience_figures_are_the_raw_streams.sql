-- Every share and every count of followers online in tiktok_organic__audience is the raw stream's
-- value for that account, day and key.
with raw_audience as (
    {{ tiktok_organic_union('business_follower_demographics', [
        ['account_id', ['business_id'], 'string'],
        ['raw_date', ['date'], 'date'],
        ['dimension', ['dimension'], 'string'],
        ['dimension_value', ['value'], 'string'],
        ['share', ['percentage'], 'float'],
        ['followers_online', [], 'bigint'],
    ]) }}
    union all
    select account_id, raw_date, 'online_hour', dimension_value, share, followers_online,
        source_relation, airbyte_raw_id, airbyte_extracted_at
    from (
        {{ tiktok_organic_union('business_audience_activity', [
            ['account_id', ['business_id'], 'string'],
            ['raw_date', ['date'], 'date'],
            ['dimension_value', ['hour'], 'string'],
            ['share', [], 'float'],
            ['followers_online', ['count'], 'bigint'],
        ]) }}
    ) as activity
)

select mart.*
from {{ ref('tiktok_organic__audience') }} as mart
where not exists (
    select 1
    from raw_audience
    where raw_audience.source_relation = mart.source_relation
        and raw_audience.account_id = mart.account_id
        and raw_audience.raw_date = mart.date_day
        and raw_audience.dimension = mart.dimension
        and raw_audience.dimension_value = mart.dimension_value
        and coalesce(raw_audience.share, -1) = coalesce(mart.share, -1)
        and coalesce(raw_audience.followers_online, -1) = coalesce(mart.followers_online, -1)
)
