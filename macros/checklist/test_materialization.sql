{#-
    dbt's test materialization, plus the count of the rows a checklist test compared.

    A checklist test that declares what it compares (config meta `compares`, e.g. 'participants
    of the player's copies') returns every row it compared, with a `problem` column that is NULL
    where the row is fine, and counts its failures with fail_calc 'count(problem)'. Here the same
    query also counts the rows: dbt records that count in the test's run result
    (adapter_response.rows_affected, with code 'checklist'), so that the report shows, from dbt's
    own results, how many rows each test compared and how many failed. Every other test (and a
    run with --store-failures) goes through dbt's own test materialization unchanged.
-#}
{%- materialization test, default -%}
    {%- set compares = (config.get('meta') or {}).get('compares') -%}
    {%- if not compares or should_store_failures() -%}
        {{ return(dbt.materialization_test_default()) }}
    {%- endif -%}
    {%- set fail_calc = config.get('fail_calc') -%}
    {%- set warn_if = config.get('warn_if') -%}
    {%- set error_if = config.get('error_if') -%}
    {%- set sql_header = config.get('sql_header') if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none -%}
    {%- call statement('checklist', fetch_result=True) -%}
        {% if sql_header %}{{ sql_header }}{% endif %}
        select
            count(*) as rows_compared,
            {{ fail_calc }} as failures,
            {{ fail_calc }} {{ warn_if }} as should_warn,
            {{ fail_calc }} {{ error_if }} as should_error
        from (
            {{ get_limit_subquery_sql(sql, config.get('limit')) }}
        ) as dbt_internal_test
    {%- endcall -%}
    {%- set table = load_result('checklist')['table'] -%}
    {%- set rows_compared = table.rows[0][0] | int -%}
    {%- do store_raw_result(
        name='main',
        message='compared ' ~ rows_compared ~ ' rows',
        code='checklist',
        rows_affected=rows_compared,
        agate_table=table.select(['failures', 'should_warn', 'should_error']),
    ) -%}
    {{ return({'relations': []}) }}
{%- endmaterialization -%}
