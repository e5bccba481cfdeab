{#- API for Business (with include_comments): top-level comments. -#}
{{ tiktok_organic_stage('business_comments', tiktok_organic_comment_columns(), ['account_id', 'comment_id']) }}
