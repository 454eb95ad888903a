"""The package version, read by pyproject.toml, pyw2v.__version__ and saved models."""
__version__ = "0.1.0"
