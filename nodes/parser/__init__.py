"""Node-RED palette category: parser."""
