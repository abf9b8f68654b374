with source_rows as (
    {{ select_player_table('match_participants') }}
)

select * from source_rows
