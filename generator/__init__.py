"""devportal: builds a developer portal from many Git repositories."""
