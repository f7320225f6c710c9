"""A compiled model as a library folder for one's own firmware (`ecgcc export`)."""
from .library import ExportResult, export_library

__all__ = ["ExportResult", "export_library"]
