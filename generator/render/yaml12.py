"""A YAML loader for content from repos: YAML 1.2 booleans and no implicit timestamps.

PyYAML implements YAML 1.1, where ``NO`` (Norway's country code) is ``false`` and ``2025-13-45`` is a
timestamp that raises ``ValueError`` instead of a YAML error. Front matter and specs are read with
:class:`Yaml12Loader`: only ``true``/``false`` are booleans and dates stay strings, parsed (and reported)
by the code that needs them.
"""

from __future__ import annotations

import re

import yaml


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and dates left as strings."""


Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers
          if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


def load_yaml(text: str):
    """Parse ``text`` with :class:`Yaml12Loader`."""
    return yaml.load(text, Loader=Yaml12Loader)  # noqa: S506 - a SafeLoader subclass
