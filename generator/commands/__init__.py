"""The commands above the pipeline: ``check`` and ``render-spec``.

``build``, ``stage`` and ``fetch`` are :mod:`generator.pipeline` itself."""
