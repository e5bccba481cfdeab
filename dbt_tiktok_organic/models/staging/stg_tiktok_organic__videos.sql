{#- Display API: every public video with its lifetime counts. -#}
{{ tiktok_organic_stage('videos', [
    ['video_id', ['id'], 'string'],
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
], ['video_id']) }}
