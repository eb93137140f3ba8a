"""Node-RED palette category: network."""
