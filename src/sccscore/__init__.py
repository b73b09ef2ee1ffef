"""sccscore: score sister chromatid cohesion defects in chromosome images."""

__version__ = "0.1.0"
