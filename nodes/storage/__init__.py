"""Node-RED palette category: storage."""
