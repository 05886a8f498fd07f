"""The exception types the command line turns into a one-line error."""


class PulseError(Exception):
    """A problem the user can fix (bad argument, missing file, bad data). Printed as one line."""


class Refused(PulseError):
    """The command will not run on this state of the warehouse. Printed as `pulse CMD: msg`."""
