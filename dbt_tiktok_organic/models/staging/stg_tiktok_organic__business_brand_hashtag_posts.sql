{#- API for Business (with include_mentions): posts under the brand's enabled hashtags. -#}
{{ tiktok_organic_stage('business_brand_hashtag_posts', tiktok_organic_mention_post_columns(), ['account_id', 'post_id']) }}
