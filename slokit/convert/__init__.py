"""Other tools' SLO files to slokit's and back: Sloth and OpenSLO import, OpenSLO export (issue 15)."""
