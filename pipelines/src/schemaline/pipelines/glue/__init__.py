"""Glue Python shell job scripts: `python -m schemaline.pipelines.glue.{raw,gdp,kpi} --schema-fqid …`."""
