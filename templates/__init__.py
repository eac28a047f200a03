"""The portal's templates and theme assets, shipped inside the package as ``generator.templates``.

The folder stays at the top of the repository; ``pyproject.toml`` maps it into the package, so a wheel
installed anywhere finds it through :func:`generator.package_data.templates_dir`.
"""
