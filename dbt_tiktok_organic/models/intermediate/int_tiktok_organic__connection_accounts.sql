{#- One row per Display API connection: the one account it reads, which its video rows do not name.
    A business connection is not here: it may read several accounts, and each of its rows names its
    own (business_id), so its rows are keyed by (source_relation, account_id) as they come. -#}
select source_relation, max(account_id) as account_id
from {{ ref('stg_tiktok_organic__user_info') }}
group by source_relation
