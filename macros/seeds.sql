{#-
    Seeds on Spark: dbt-spark's session method puts each value into the INSERT as '<value>'
    (so an empty cell becomes the text 'None' and a quote in a description breaks the
    statement). This override (found first by dispatch: the root project) writes each value
    as a SQL literal instead: NULL for an empty cell, escaped text otherwise (pulse_quote).
    DuckDB and PostgreSQL keep dbt's own seed loading.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for col_name in agate_table.column_names -%}
                {%- set value = row[loop.index0] -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {%- if value is none -%}
                    {%- set literal = 'null' -%}
                {%- elif value is sameas true or value is sameas false -%}
                    {%- set literal = 'true' if value else 'false' -%}
                {%- elif value is number -%}
                    {%- set literal = value | string -%}
                {%- else -%}
                    {%- set literal = pulse_quote(value | string) -%}
                {%- endif -%}
                {%- do values.append('cast(' ~ literal ~ ' as ' ~ type ~ ')') -%}
            {%- endfor -%}
            {%- do rows.append('(' ~ values | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ rows | join(', ') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
