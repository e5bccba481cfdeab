{#- API for Business (with include_mentions): comments that mention the brand, with their post. -#}
{{ tiktok_organic_stage('business_mentioned_comments', [
    ['comment_id', ['comment_id'], 'string'],
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['created_at', ['comment_create_time'], 'epoch'],
    ['comment_type', ['comment_type'], 'string'],
    ['comment_text', ['comment_text'], 'string'],
    ['comment_likes', ['comment_likes'], 'bigint'],
    ['commenter_display_name', ['commenter_display_name'], 'string'],
    ['post_id', ['item_id'], 'string'],
    ['post_url', ['video_link'], 'string'],
    ['post_likes', ['video_likes'], 'bigint'],
    ['read_at', ['read_at'], 'timestamp'],
], ['account_id', 'comment_id']) }}
