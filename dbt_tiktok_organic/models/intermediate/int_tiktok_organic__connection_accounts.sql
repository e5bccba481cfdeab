{#- One row per Display API connection: the account of its rows that name none (a connection
    reading one account names it on no videos or video_snapshots row; see the macro). The staging
    models of those streams give such rows this account already. A business connection is not here:
    each of its rows names its own account (business_id). -#}
{{ tiktok_organic_connection_accounts() }}
