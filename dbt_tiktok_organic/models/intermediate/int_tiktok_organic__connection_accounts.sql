{#- One row per connection: the account it reads. A Display connection reads one account, and its
    video rows do not name it. -#}
select source_relation, max(account_id) as account_id
from {{ ref('int_tiktok_organic__accounts') }}
group by source_relation
