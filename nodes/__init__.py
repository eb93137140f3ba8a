"""flowengine's own node types, one module per Node-RED type.

Installed as ``flowengine.nodes``; grouped like Node-RED's palette. Each type
is registered in ``pyproject.toml`` under the ``flowengine.nodes`` entry-point
group, the same way third-party packages add theirs.
"""
