{#- API for Business: each video's retention and likes by second, traffic sources and viewers. -#}
{{ tiktok_organic_stage('business_video_breakdowns', [
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['video_id', ['item_id'], 'string'],
    ['breakdown', ['breakdown'], 'string'],
    ['breakdown_key', ['key'], 'string'],
    ['percentage', ['percentage'], 'float'],
], ['account_id', 'video_id', 'breakdown', 'breakdown_key']) }}
