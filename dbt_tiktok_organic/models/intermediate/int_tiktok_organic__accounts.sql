{#- One row per account and connection, whichever mode read it: its names and latest counters. -#}
with profiles as (
    select
        source_relation, account_id, username, display_name, profile_deep_link, followers, 'display' as api
    from {{ ref('stg_tiktok_organic__user_info') }}
    union all
    select
        source_relation, account_id, username, display_name, profile_deep_link, followers, 'business' as api
    from {{ ref('stg_tiktok_organic__business_profile') }}
)

select * from profiles
