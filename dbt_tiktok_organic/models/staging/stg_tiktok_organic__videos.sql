{#- Display API: every public video with its lifetime counts. A connection reading several accounts
    names each row's account (open_id, and account_label when the config labels it); a connection
    reading one names none, and its rows take the connection's account. -#}
{{ tiktok_organic_stage('videos', [
    ['video_id', ['id'], 'string'],
    ['account_id', ['open_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['created_at', ['create_time'], 'epoch'],
    ['title', ['title'], 'string'],
    ['description', ['video_description'], 'string'],
    ['share_url', ['share_url'], 'string'],
    ['embed_url', ['embed_link'], 'string'],
    ['cover_image_url', ['cover_image_url'], 'string'],
    ['duration_seconds', ['duration'], 'float'],
    ['views', ['view_count'], 'bigint'],
    ['likes', ['like_count'], 'bigint'],
    ['comments', ['comment_count'], 'bigint'],
    ['shares', ['share_count'], 'bigint'],
    ['is_aigc', ['is_aigc'], 'boolean'],
], ['account_id', 'video_id'], connection_account=true) }}
