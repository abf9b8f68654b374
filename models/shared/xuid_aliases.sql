{{
    config(
        unique_key='xuid',
        incremental_strategy='merge',
        merge_exclude_columns=['xuid'],
    )
}}

-- The gamertag of every xuid: the alias with the latest last_seen wins, whatever the order in
-- which players were migrated (ties: latest updated_at, then gamertag, then source).
with incoming as (
    select * from {{ ref('int_aliases_deduped') }}
),

{% if is_incremental() %}
    existing as (
        {{ current_rows('incoming', ['xuid']) }}
    ),
{% endif %}

candidates as (
    select * from incoming
    {% if is_incremental() %}
        union all by name
        select * from existing
    {% endif %}
),

latest as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at
    from candidates
    qualify row_number() over (
        partition by xuid
        order by
            last_seen desc nulls last,
            updated_at desc nulls last,
            gamertag desc nulls last,
            source desc nulls last
    ) = 1
),

{% if is_incremental() %}
    changed as (
        {{ changed_rows('latest', 'existing', ['xuid']) }}
    ),
{% endif %}

final as (
    select * from {{ 'changed' if is_incremental() else 'latest' }}
)

select * from final
