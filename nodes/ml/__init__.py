"""Machine-learning node types (scikit-learn models saved with skops)."""
