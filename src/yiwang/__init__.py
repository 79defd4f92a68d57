"""yiwang (一网): a megacity's digital-government and city-operations platform."""

__version__ = "0.1.0"
