"""The sandbox platform: a generated SQLite database of a field-service / rental business."""

from sandbox.platform.generate import GenerationReport, generate_platform

__all__ = ["GenerationReport", "generate_platform"]
