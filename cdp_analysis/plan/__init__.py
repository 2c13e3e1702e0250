"""The plan as data: measures, targets and objectives read from YAML and checked."""
