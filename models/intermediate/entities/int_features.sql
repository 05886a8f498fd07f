{#- The source-neutral feature catalogue every later model reads. -#}
select * from {{ ref('stg_product__features') }}
