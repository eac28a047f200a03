"""Step 4: stage the docs tree and generated mkdocs.yml, then build the site atomically."""
