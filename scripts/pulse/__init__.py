"""Customer Pulse: the Python side of the project (sample data, loading, validation, exports)."""

__version__ = "0.1.0"
