with source_rows as (
    {{ select_player_table('player_match_stats') }}
)

select * from source_rows
