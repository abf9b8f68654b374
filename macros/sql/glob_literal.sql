{#- A path as a glob pattern that matches only itself: [, * and ? escaped ([[], [*], [?]). -#}
{% macro glob_literal(path) %}
    {{- return(path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]')) -}}
{% endmacro %}
