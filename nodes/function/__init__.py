"""Node-RED palette category: function."""
