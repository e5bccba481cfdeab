{#- Both modes: the account's counters, one row a day. The Display API and the API for Business name
    them differently; the first name the table has is taken. -#}
{{ tiktok_organic_stage('profile_snapshots', [
    ['account_id', ['open_id', 'business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['date_day', ['date'], 'date'],
    ['read_at', ['read_at'], 'timestamp'],
    ['followers', ['follower_count', 'followers_count'], 'bigint'],
    ['following_count', ['following_count'], 'bigint'],
    ['likes_total', ['likes_count', 'total_likes'], 'bigint'],
    ['videos_total', ['video_count', 'videos_count'], 'bigint'],
], ['account_id', 'date_day']) }}
