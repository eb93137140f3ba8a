"""flowengine: run Node-RED flow files in Python.

Public API: load a flow set, run it, and the node API for node authors.
"""

from .errors import ConfigError, FlowFileError, JSError, Problem
from .flowfile import FlowSet, load_flow_files, parse_flows
from .jsvalues import UNDEFINED
from .message import Message, clone_message, generate_id
from .node import Delivery, Node
from .registry import ENTRY_POINT_GROUP, NodeRegistry, default_registry
from .runtime import Runtime, Tracker

__version__ = "0.1.0"

__all__ = [
    "ENTRY_POINT_GROUP",
    "UNDEFINED",
    "ConfigError",
    "Delivery",
    "FlowFileError",
    "FlowSet",
    "JSError",
    "Message",
    "Node",
    "NodeRegistry",
    "Problem",
    "Runtime",
    "Tracker",
    "clone_message",
    "default_registry",
    "generate_id",
    "load_flow_files",
    "parse_flows",
]
