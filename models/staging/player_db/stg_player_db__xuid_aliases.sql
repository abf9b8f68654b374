with source_rows as (
    {{ select_player_table('xuid_aliases') }}
)

select * from source_rows
