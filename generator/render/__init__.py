"""Step 3: renderers that turn source content into staged Markdown (pages, API reference, updates)."""
