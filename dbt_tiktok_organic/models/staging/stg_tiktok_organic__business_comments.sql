{#- API for Business (with include_comments): top-level comments. -#}
{{ tiktok_organic_stage('business_comments', [
    ['comment_id', ['comment_id'], 'string'],
    ['video_id', ['video_id'], 'string'],
    ['parent_comment_id', ['parent_comment_id'], 'string'],
    ['account_id', ['business_id'], 'string'],
    ['created_at', ['create_time'], 'epoch'],
    ['comment_text', ['text'], 'string'],
    ['likes', ['likes'], 'bigint'],
    ['replies', ['replies'], 'bigint'],
    ['status', ['status'], 'string'],
    ['is_owner', ['owner'], 'boolean'],
    ['is_liked', ['liked'], 'boolean'],
    ['is_pinned', ['pinned'], 'boolean'],
    ['commenter_id', ['unique_identifier'], 'string'],
    ['commenter_username', ['username'], 'string'],
    ['commenter_display_name', ['display_name'], 'string'],
], ['comment_id']) }}
