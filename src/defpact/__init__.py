"""defpact: the coordination platform of a multinational defence-cooperation pact."""

__version__ = "0.1.0"
