{#- API for Business (with benchmark_category): a business category's averages, one row a day. -#}
{{ tiktok_organic_stage('business_benchmark', [
    ['benchmark_category', ['benchmark_category'], 'string'],
    ['date_day', ['date'], 'date'],
    ['business_category', ['business_category'], 'string'],
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['average_likes', ['average_likes'], 'float'],
    ['average_comments', ['average_comments'], 'float'],
    ['average_shares', ['average_shares'], 'float'],
    ['average_video_count', ['average_video_count'], 'float'],
    ['average_follower_count', ['average_follower_count'], 'float'],
    ['average_follower_growth', ['average_follower_growth'], 'float'],
    ['average_engagement_rate', ['average_engagement_rate'], 'float'],
    ['average_video_views', ['average_video_views'], 'float'],
], ['account_id', 'benchmark_category', 'date_day']) }}
