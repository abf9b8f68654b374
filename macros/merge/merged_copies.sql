{#-
    The copies already merged into the warehouse (match_players: match_id, player_xuid,
    copy_updated_at), read by name since match_players itself depends on the models that use
    this; an empty relation before the first merge.
-#}
{% macro merged_copies() -%}
    {{ shared_table_by_name('match_players', {
        'match_id': 'varchar',
        'player_xuid': 'varchar',
        'copy_updated_at': 'timestamp',
    }) }}
{%- endmacro %}
