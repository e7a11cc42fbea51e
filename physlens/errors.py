"""Errors a user can cause. Each message names the column, row or parameter at fault
and says what would be valid; the CLI prints them without a traceback (exit code 2)."""


class PhyslensError(Exception):
    """Base class of every error caused by user input or user settings."""


class DataError(PhyslensError, ValueError):
    """A data file or array is unusable: bad cell, missing column, too few rows... Also a
    ValueError, which is what scikit-learn's contract has estimators raise for bad input."""


class UnitError(PhyslensError):
    """A unit string cannot be parsed, or units are inconsistent."""


class ExpressionError(PhyslensError):
    """Expression text is not allowed by the restricted parser."""


class ParameterError(PhyslensError, ValueError):
    """A method or command parameter is out of its valid range."""


class StoreError(PhyslensError):
    """The results store cannot be opened or has an incompatible schema."""
