{#- One row per account and connection, whichever mode read it: its names, its label and its latest
    counters. A connection of either API may read several accounts (each row naming its own);
    account_label is the name the connection's config gives the account (null when it gives none,
    and in a Display connection reading one account). -#}
with profiles as (
    select
        source_relation, account_id, account_label, username, display_name, profile_deep_link, followers,
        'display' as api
    from {{ ref('stg_tiktok_organic__user_info') }}
    union all
    select
        source_relation, account_id, account_label, username, display_name, profile_deep_link, followers,
        'business' as api
    from {{ ref('stg_tiktok_organic__business_profile') }}
)

select * from profiles
