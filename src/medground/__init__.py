"""medground: verified referring-grounding data from medical segmentation datasets."""

__version__ = "0.1.0"
