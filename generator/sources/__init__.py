"""Step 1 of the pipeline: fetch every source from Git into the cache and pin it in the lock file."""
