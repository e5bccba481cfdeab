{#- One row per account and connection: the label the connection's config gives it (null when none),
    for the marts to name accounts by. -#}
select source_relation, account_id, max(account_label) as account_label
from {{ ref('int_tiktok_organic__accounts') }}
group by source_relation, account_id
