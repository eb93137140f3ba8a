"""``junction``: a wiring point; passes every message on (one more hop)."""

from flowengine import Node


class JunctionNode(Node):
    type = "junction"
    category = "common"
