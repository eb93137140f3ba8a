"""Node-RED palette category: sequence."""
