"""Shipped pruning schedules (YAML); see pruning.schedule.list_schedules()."""
