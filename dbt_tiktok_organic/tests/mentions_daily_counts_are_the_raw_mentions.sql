-- tiktok_organic__mentions_daily counts, per account and UTC day of posting, the distinct posts of the
-- raw business_mentioned_posts stream and the distinct comments of business_mentioned_comments.
with raw_posts as (
    {{ tiktok_organic_union('business_mentioned_posts', [
        ['account_id', ['business_id'], 'string'],
        ['post_id', ['item_id'], 'string'],
        ['created_at', ['create_time'], 'epoch'],
    ]) }}
),

raw_comments as (
    {{ tiktok_organic_union('business_mentioned_comments', [
        ['account_id', ['business_id'], 'string'],
        ['comment_id', ['comment_id'], 'string'],
        ['created_at', ['comment_create_time'], 'epoch'],
    ]) }}
),

expected as (
    select source_relation, account_id, cast(created_at as date) as date_day,
        count(distinct post_id) as mentioned_posts, 0 as comment_mentions
    from raw_posts
    group by 1, 2, 3
    union all
    select source_relation, account_id, cast(created_at as date) as date_day,
        0 as mentioned_posts, count(distinct comment_id) as comment_mentions
    from raw_comments
    group by 1, 2, 3
),

expected_days as (
    select source_relation, account_id, date_day,
        sum(mentioned_posts) as mentioned_posts, sum(comment_mentions) as comment_mentions
    from expected
    group by 1, 2, 3
),

mart as (
    select source_relation, account_id, date_day, mentioned_posts, comment_mentions
    from {{ ref('tiktok_organic__mentions_daily') }}
)

select expected_days.source_relation, expected_days.account_id, expected_days.date_day, 'differs' as problem
from expected_days
left join mart
    on mart.source_relation = expected_days.source_relation
    and mart.account_id = expected_days.account_id
    and mart.date_day = expected_days.date_day
where mart.mentioned_posts is null
    or mart.mentioned_posts <> expected_days.mentioned_posts
    or mart.comment_mentions <> expected_days.comment_mentions
union all
select mart.source_relation, mart.account_id, mart.date_day, 'not a day of raw mentions' as problem
from mart
where mart.mentioned_posts + mart.comment_mentions > 0
    and not exists (
        select 1 from expected_days
        where expected_days.source_relation = mart.source_relation
            and expected_days.account_id = mart.account_id
            and expected_days.date_day = mart.date_day
    )
