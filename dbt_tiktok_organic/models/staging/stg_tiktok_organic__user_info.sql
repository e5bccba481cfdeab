{#- Display API: the authorising account. -#}
{{ tiktok_organic_stage('user_info', [
    ['account_id', ['open_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['username', ['username'], 'string'],
    ['display_name', ['display_name'], 'string'],
    ['bio_description', ['bio_description'], 'string'],
    ['profile_deep_link', ['profile_deep_link'], 'string'],
    ['avatar_url', ['avatar_url'], 'string'],
    ['is_verified', ['is_verified'], 'boolean'],
    ['followers', ['follower_count'], 'bigint'],
    ['following_count', ['following_count'], 'bigint'],
    ['likes_total', ['likes_count'], 'bigint'],
    ['videos_total', ['video_count'], 'bigint'],
], ['account_id']) }}
