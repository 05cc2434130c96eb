"""``slokit review`` and ``slokit postmortem``: the joint SLO review and postmortem drafts (issue 14)."""
