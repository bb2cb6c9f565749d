"""The extractor Lambda: `schemaline.pipelines.extractor.handler.handler`."""
