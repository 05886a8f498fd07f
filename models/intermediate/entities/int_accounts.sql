{#- The source-neutral accounts every later model reads. -#}
select * from {{ ref('stg_product__accounts') }}
