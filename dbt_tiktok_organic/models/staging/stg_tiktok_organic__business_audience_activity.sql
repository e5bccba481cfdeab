{#- API for Business: followers online per UTC hour of each day. -#}
{{ tiktok_organic_stage('business_audience_activity', [
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['date_day', ['date'], 'date'],
    ['hour_of_day', ['hour'], 'bigint'],
    ['followers_online', ['count'], 'bigint'],
], ['account_id', 'date_day', 'hour_of_day']) }}
