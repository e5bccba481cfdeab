{#- API for Business (with include_comments): replies, with the comment they answer. -#}
{{ tiktok_organic_stage('business_comment_replies', tiktok_organic_comment_columns(), ['account_id', 'comment_id']) }}
