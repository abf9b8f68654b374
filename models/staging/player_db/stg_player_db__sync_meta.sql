with source_rows as (
    {{ select_player_table('sync_meta') }}
)

select * from source_rows
