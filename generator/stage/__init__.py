"""Step 4, after sources → validate → render: stage the docs tree and mkdocs.yml, then build the site atomically."""
