{#- API for Business (with include_mentions): the top hashtags and words of the mentioning posts, by
    the day they were read. -#}
{{ tiktok_organic_stage('business_mention_keywords', [
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['date_day', ['date'], 'date'],
    ['kind', ['kind'], 'string'],
    ['term', ['term'], 'string'],
    ['mentions', ['count'], 'bigint'],
], ['account_id', 'date_day', 'kind', 'term']) }}
