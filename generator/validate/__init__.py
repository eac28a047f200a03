"""Step 2: validators (OpenAPI specs, Markdown links, config) that report Diagnostics."""
