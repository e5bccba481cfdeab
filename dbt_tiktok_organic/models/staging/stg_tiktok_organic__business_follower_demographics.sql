{#- API for Business: follower shares by age, gender, country and city, dated by the day read. -#}
{{ tiktok_organic_stage('business_follower_demographics', [
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['date_day', ['date'], 'date'],
    ['dimension', ['dimension'], 'string'],
    ['dimension_value', ['value'], 'string'],
    ['percentage', ['percentage'], 'float'],
], ['account_id', 'date_day', 'dimension', 'dimension_value']) }}
