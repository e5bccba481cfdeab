{#- API for Business: each video's retention and likes by second, traffic sources and viewers. -#}
{{ tiktok_organic_stage('business_video_breakdowns', [
    ['account_id', ['business_id'], 'string'],
    ['video_id', ['item_id'], 'string'],
    ['breakdown', ['breakdown'], 'string'],
    ['breakdown_key', ['key'], 'string'],
    ['percentage', ['percentage'], 'float'],
], ['video_id', 'breakdown', 'breakdown_key']) }}
