{#- API for Business (with include_mentions): posts that mention the brand, their counts as last read. -#}
{{ tiktok_organic_stage('business_mentioned_posts', tiktok_organic_mention_post_columns([
    ['thumbnail_url', ['thumbnail_url'], 'string'],
    ['creator_handle_name', ['creator_handle_name'], 'string'],
    ['views', ['views'], 'bigint'],
    ['reach', ['reach'], 'bigint'],
]), ['account_id', 'post_id']) }}
