{{
    config(
        unique_key='xuid',
        incremental_strategy='stage',
    )
}}

-- The gamertag of every xuid: the alias with the latest last_seen wins, whatever the order in
-- which the copies were merged (ties: latest updated_at, then gamertag, then source).
with aliases as (
    select * from {{ ref('int_aliases_deduped') }}
),

incoming as (
    select * from aliases
),

current_rows as (
    {% if is_incremental() %}
        select current_table.*
        from {{ this }} as current_table
        semi join incoming
            on current_table.xuid = incoming.xuid
    {% else %}
        select * from incoming
        where false
    {% endif %}
),

candidates as (
    select
        *,
        false as is_current
    from incoming
    union all by name
    select
        *,
        true as is_current
    from current_rows
),

latest as (
    select *
    from candidates
    qualify row_number() over (
        partition by xuid
        order by {{ alias_precedence() }}, is_current desc
    ) = 1
),

staged as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at
    from latest
    where not is_current
)

select * from staged
