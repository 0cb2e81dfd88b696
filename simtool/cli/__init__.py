"""Command line: ``simtool <command>``."""
def main(argv=None) -> int:  # placeholder
    return 0
