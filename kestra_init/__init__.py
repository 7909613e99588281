"""kestra-init: create a ready-to-run Kestra repository and bring it up."""

__version__ = "0.1.0"
