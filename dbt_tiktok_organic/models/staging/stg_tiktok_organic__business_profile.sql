{#- API for Business: the account's lifetime profile. -#}
{{ tiktok_organic_stage('business_profile', [
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['username', ['username'], 'string'],
    ['display_name', ['display_name'], 'string'],
    ['bio_description', ['bio_description'], 'string'],
    ['profile_deep_link', ['profile_deep_link'], 'string'],
    ['avatar_url', ['profile_image'], 'string'],
    ['is_verified', ['is_verified'], 'boolean'],
    ['is_business_account', ['is_business_account'], 'boolean'],
    ['followers', ['followers_count'], 'bigint'],
    ['following_count', ['following_count'], 'bigint'],
    ['likes_total', ['total_likes'], 'bigint'],
    ['videos_total', ['videos_count'], 'bigint'],
], ['account_id']) }}
