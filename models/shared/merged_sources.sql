{{
    config(
        unique_key='source_id',
        incremental_strategy='stage',
    )
}}

-- What has been merged: for each player DB, the fingerprint of its content at its last merge
-- (a DB that has not changed since is "up to date" and skipped) and the rows the merge could
-- not take (int_rows_rejected: counted and named); for the landing, the high-water mark (the
-- last response id merged: later responses are the next batch). Published in the same
-- transaction as the rows they describe.
with owners as (
    select * from {{ ref('int_owners_resolved') }}
),

rejected_rows as (
    select * from {{ ref('int_rows_rejected') }}
),

batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

batch_size as (
    select count(*) as matches_merged from batch_matches
),

rejected as (
    select
        cast(coalesce(sum(rejected_rows), 0) as bigint) as rows_rejected,
        coalesce(
            list(
                table_name || ': ' || reason || ' (' || example || ')'
                order by table_name, example
            )[1:{{ var('rejected_examples') }}],
            []
        ) as rejected_examples
    from rejected_rows
),

player_source as (
    select
        {{ sql_string(var('player_db_source') ~ ':') }} || owners.owner_xuid as source_id,
        {{ sql_string(var('player_db_source')) }} as source_kind,
        owners.owner_xuid as player_xuid,
        owners.owner_gamertag as player_gamertag,
        {{ sql_string(source_fingerprint()) }} as fingerprint,
        cast(null as bigint) as last_response_id,
        cast(now() as timestamp) as merged_at,
        batch_size.matches_merged,
        rejected.rows_rejected,
        rejected.rejected_examples
    from owners
    cross join batch_size
    cross join rejected
),

landing_source as (
    select
        {{ sql_string(var('halo_api_source')) }} as source_id,
        {{ sql_string(var('halo_api_source')) }} as source_kind,
        cast(null as varchar) as player_xuid,
        cast(null as varchar) as player_gamertag,
        cast(null as varchar) as fingerprint,
        cast({{ landing_max_response_id() }} as bigint) as last_response_id,
        cast(now() as timestamp) as merged_at,
        batch_size.matches_merged,
        cast(0 as bigint) as rows_rejected,
        cast([] as varchar[]) as rejected_examples
    from batch_size
    where {{ 'true' if landing_enabled() else 'false' }}
),

sources as (
    select * from player_source
    union all by name
    select * from landing_source
)

select * from sources
