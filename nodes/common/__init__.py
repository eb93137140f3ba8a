"""Node-RED palette category: common."""
