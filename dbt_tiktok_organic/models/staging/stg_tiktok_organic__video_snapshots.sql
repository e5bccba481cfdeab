{#- Both modes: each video's counters, one row a day. Business rows name their account (business_id);
    Display API rows name it (open_id) when the connection reads several accounts, else they take
    the connection's one account. -#}
{{ tiktok_organic_stage('video_snapshots', [
    ['video_id', ['id', 'item_id'], 'string'],
    ['account_id', ['business_id', 'open_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['date_day', ['date'], 'date'],
    ['read_at', ['read_at'], 'timestamp'],
    ['created_at', ['create_time'], 'epoch'],
    ['views', ['view_count', 'video_views'], 'bigint'],
    ['likes', ['like_count', 'likes'], 'bigint'],
    ['comments', ['comment_count', 'comments'], 'bigint'],
    ['shares', ['share_count', 'shares'], 'bigint'],
    ['favorites', ['favorites'], 'bigint'],
    ['reach', ['reach'], 'bigint'],
    ['total_time_watched', ['total_time_watched'], 'float'],
    ['average_time_watched', ['average_time_watched'], 'float'],
    ['full_video_watched_rate', ['full_video_watched_rate'], 'float'],
    ['new_followers', ['new_followers'], 'bigint'],
], ['account_id', 'video_id', 'date_day'], connection_account=true) }}
