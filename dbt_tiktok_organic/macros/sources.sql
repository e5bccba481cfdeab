{#- The connections to read: tiktok_organic_sources, else the one named by the three variables. -#}
{% macro tiktok_organic_sources() %}
  {%- set listed = var('tiktok_organic_sources', []) -%}
  {%- if listed | length > 0 -%}
    {{ return(listed) }}
  {%- endif -%}
  {{ return([{
      'name': var('tiktok_organic_schema'),
      'database': var('tiktok_organic_database', none),
      'schema': var('tiktok_organic_schema'),
      'table_prefix': var('tiktok_organic_table_prefix', ''),
  }]) }}
{% endmacro %}


{#- The SQL type of a column kind, through dbt's cross-database type macros. -#}
{% macro tiktok_organic_type(kind) %}
  {%- if kind == 'string' -%} {{ return(dbt.type_string()) }}
  {%- elif kind == 'bigint' -%} {{ return(dbt.type_bigint()) }}
  {%- elif kind == 'float' -%} {{ return(tiktok_organic_type_double()) }}
  {%- elif kind == 'boolean' -%} {{ return(dbt.type_boolean()) }}
  {%- elif kind in ('timestamp', 'epoch') -%} {{ return(dbt.type_timestamp()) }}
  {%- elif kind == 'date' -%} {{ return('date') }}
  {%- endif -%}
  {{ exceptions.raise_compiler_error('unknown column kind ' ~ kind) }}
{% endmacro %}


{#- One output column: the first of `candidates` the table has, cast to `kind`; null when it has none.
    `epoch` is Unix seconds (how TikTok gives create_time), turned into a timestamp. -#}
{% macro tiktok_organic_column(present, candidates, kind) %}
  {%- for candidate in candidates if candidate in present -%}
    {%- if loop.first -%}
      {%- set quoted = adapter.quote(present[candidate]) -%}
      {%- if kind == 'epoch' -%}
        {{ return(dbt.dateadd('second', dbt.safe_cast(quoted, dbt.type_bigint()), "cast('1970-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")")) }}
      {%- else -%}
        {{ return(dbt.safe_cast(quoted, tiktok_organic_type(kind))) }}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return('cast(null as ' ~ tiktok_organic_type(kind) ~ ')') }}
{% endmacro %}


{#- Every row of `stream` from every connection that has the table, as `columns`
    ([output name, [source columns, first found wins], kind]) plus source_relation and Airbyte's
    _airbyte_raw_id and _airbyte_extracted_at. A connection without the table adds nothing (a mode
    that lacks the stream, or a stream not synced); with none at all, an empty relation of the
    same columns, so that every model builds over any warehouse. -#}
{% macro tiktok_organic_union(stream, columns) %}
  {%- set selects = [] -%}
  {%- for source in tiktok_organic_sources() -%}
    {%- set relation = adapter.get_relation(
        database=source.get('database') or target.database,
        schema=source['schema'],
        identifier=(source.get('table_prefix') or '') ~ stream) if execute else none -%}
    {%- if relation is not none -%}
      {%- set present = {} -%}
      {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do present.update({column.name | lower: column.name}) -%}
      {%- endfor -%}
      {%- set one -%}
    select
      {%- for name, candidates, kind in columns %}
      {{ tiktok_organic_column(present, candidates, kind) | trim }} as {{ name }},
      {%- endfor %}
      {{ dbt.string_literal(source['name']) }} as source_relation,
      {{ tiktok_organic_column(present, ['_airbyte_raw_id'], 'string') | trim }} as airbyte_raw_id,
      {{ tiktok_organic_column(present, ['_airbyte_extracted_at'], 'timestamp') | trim }} as airbyte_extracted_at
    from {{ relation }}
      {%- endset -%}
      {%- do selects.append(one) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if selects | length == 0 -%}
    {%- set empty -%}
    select * from (
      select
      {%- for name, candidates, kind in columns %}
        cast(null as {{ tiktok_organic_type(kind) }}) as {{ name }},
      {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as source_relation,
        cast(null as {{ dbt.type_string() }}) as airbyte_raw_id,
        cast(null as {{ dbt.type_timestamp() }}) as airbyte_extracted_at
    ) as no_table_of_{{ stream }}
    where 1 = 0
    {%- endset -%}
    {%- do selects.append(empty) -%}
  {%- endif -%}
  {{ return(selects | join('\n    union all\n')) }}
{% endmacro %}


{#- An ordering by `expression` with its nulls last whatever the engine: PostgreSQL and Snowflake put
    nulls first in a descending order, DuckDB last, and not every dialect has `nulls last`. -#}
{% macro tiktok_organic_nulls_last(expression, direction) %}
  {{- return('case when ' ~ expression ~ ' is null then 1 else 0 end, ' ~ expression ~ ' ' ~ direction) -}}
{% endmacro %}


{#- A staging model: the stream's rows from every connection, one per primary key (`unique_key`,
    output names) and connection, the newest extraction winning. A row without an extraction time
    loses to any with one, and of two extracted at the same moment the greater _airbyte_raw_id wins,
    so the choice is the same on every engine and every run. With `connection_account`, a row whose
    account_id is null (a Display API row that names no account: its connection read one) takes its
    connection's account (tiktok_organic_connection_accounts) before the newest is chosen, so a
    connection's rows from before and after it read several accounts are one account's rows. -#}
{% macro tiktok_organic_stage(stream, columns, unique_key, connection_account=false) %}
with unioned as (
{{ tiktok_organic_union(stream, columns) }}
),
{%- if connection_account %}

connection_accounts as (
{{ tiktok_organic_connection_accounts() }}
),

accounted as (
    select
        {%- for name, candidates, kind in columns %}
        {%- if name == 'account_id' %}
        coalesce(unioned.account_id, connection_accounts.account_id) as account_id,
        {%- else %}
        unioned.{{ name }},
        {%- endif %}
        {%- endfor %}
        unioned.source_relation,
        unioned.airbyte_raw_id,
        unioned.airbyte_extracted_at
    from unioned
    left join connection_accounts
        on unioned.source_relation = connection_accounts.source_relation
        and unioned.account_id is null
),
{%- else %}

accounted as (
    select * from unioned
),
{%- endif %}

ranked as (
    select
        accounted.*,
        row_number() over (
            partition by source_relation, {{ unique_key | join(', ') }}
            order by {{ tiktok_organic_nulls_last('airbyte_extracted_at', 'desc') }},
                {{ tiktok_organic_nulls_last('airbyte_raw_id', 'desc') }}
        ) as newest_first
    from accounted
)

select
    {%- for name, candidates, kind in columns %}
    {{ name }},
    {%- endfor %}
    source_relation,
    airbyte_raw_id,
    airbyte_extracted_at
from ranked
where newest_first = 1
{% endmacro %}


{#- One row per Display API connection: the account its rows that name none belong to. A Display
    connection names no account on its videos and video_snapshots rows while it reads one account
    (user_info and profile_snapshots always carry its open_id); once it reads several, every row
    names its own (open_id). Its unnamed rows are therefore its first account's: the account of its
    oldest user_info row (a connection that read one account and then more keeps its first account
    first). A connection without user_info (the API for Business: every row names its account) is
    not here. -#}
{% macro tiktok_organic_connection_accounts() %}
    select source_relation, account_id
    from (
        select
            user_info.source_relation,
            user_info.account_id,
            row_number() over (
                partition by user_info.source_relation
                order by {{ tiktok_organic_nulls_last('user_info.airbyte_extracted_at', 'asc') }},
                    {{ tiktok_organic_nulls_last('user_info.airbyte_raw_id', 'asc') }}
            ) as oldest_first
        from (
            {{ tiktok_organic_union('user_info', [['account_id', ['open_id'], 'string']]) }}
        ) as user_info
        where user_info.account_id is not null
    ) as ranked_user_info
    where oldest_first = 1
{% endmacro %}


{#- A double-precision float: dbt.type_float() is one everywhere but DuckDB, where `float` is 32 bits
    and would blur TikTok's four-decimal shares. -#}
{% macro tiktok_organic_type_double() %}
  {{ return(adapter.dispatch('tiktok_organic_type_double', 'tiktok_organic')()) }}
{% endmacro %}

{% macro default__tiktok_organic_type_double() %}
  {{ return(dbt.type_float()) }}
{% endmacro %}

{% macro duckdb__tiktok_organic_type_double() %}
  {{ return('double') }}
{% endmacro %}


{#- The columns of a comment, top-level or reply: TikTok's comment/list and comment/reply/list
    answer the same fields. -#}
{% macro tiktok_organic_comment_columns() %}
  {{ return([
    ['comment_id', ['comment_id'], 'string'],
    ['video_id', ['video_id'], 'string'],
    ['parent_comment_id', ['parent_comment_id'], 'string'],
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['created_at', ['create_time'], 'epoch'],
    ['comment_text', ['text'], 'string'],
    ['likes', ['likes'], 'bigint'],
    ['replies', ['replies'], 'bigint'],
    ['status', ['status'], 'string'],
    ['is_owner', ['owner'], 'boolean'],
    ['is_liked', ['liked'], 'boolean'],
    ['is_pinned', ['pinned'], 'boolean'],
    ['commenter_id', ['unique_identifier'], 'string'],
    ['commenter_username', ['username'], 'string'],
    ['commenter_display_name', ['display_name'], 'string'],
  ]) }}
{% endmacro %}


{#- The columns of a post in the Mentions API's lists (mentioned posts, brand-hashtag posts), with
    `extra` columns of one list between the post's identity and its counts. -#}
{% macro tiktok_organic_mention_post_columns(extra=[]) %}
  {{ return([
    ['post_id', ['item_id'], 'string'],
    ['account_id', ['business_id'], 'string'],
    ['account_label', ['account_label'], 'string'],
    ['created_at', ['create_time'], 'epoch'],
    ['caption', ['caption'], 'string'],
    ['post_url', ['video_link'], 'string'],
  ] + extra + [
    ['likes', ['likes'], 'bigint'],
    ['comments', ['comments'], 'bigint'],
    ['shares', ['shares'], 'bigint'],
    ['read_at', ['read_at'], 'timestamp'],
  ]) }}
{% endmacro %}
