{#-
    The gamertag of the player DB attached for this run, or none (phase 1):
    --vars '{player: <gamertag>}' (plain dbt), else the HALO_PLAYER environment variable (what
    the shared-matches commands set: dbt then keeps its partial parsing from one player to the
    next, where a changed --vars makes it parse the whole project again, about 2 s a call).
-#}
{% macro player() %}
    {%- set gamertag = var('player', none) -%}
    {%- if gamertag is none or gamertag == '' -%}
        {%- set gamertag = env_var('HALO_PLAYER', '') -%}
    {%- endif -%}
    {{- return(gamertag if gamertag != '' else none) -}}
{% endmacro %}
