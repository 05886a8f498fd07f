"""The one exception type the command line turns into a one-line error."""


class PulseError(Exception):
    """A problem the user can fix (bad argument, missing file, bad data). Printed as one line."""
