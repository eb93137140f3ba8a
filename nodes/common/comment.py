"""``comment``: documentation on the canvas; does nothing at run time."""

from flowengine import Node


class CommentNode(Node):
    type = "comment"
    category = "common"
    has_input = False
