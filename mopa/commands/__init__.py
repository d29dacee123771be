"""One module per ``mopa`` command: its flags (``configure``) and what it does (``main``).

``mopa.cli`` imports a command's module only when that command runs, so each module imports
what its command needs at its top.
"""
