{#- A player id of the API (xuid(2535445291321133), or bare digits) as the xuid text; bots (bid(58.0)) give NULL. -#}
{% macro halo_xuid(expression) %}
    case
        when regexp_full_match(trim({{ expression }}), '\d+') then trim({{ expression }})
        else nullif(regexp_extract(trim({{ expression }}), '^xuid\((\d+)\)$', 1, 'i'), '')
    end
{% endmacro %}
