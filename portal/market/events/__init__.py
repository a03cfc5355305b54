"""Large-event carbon neutrality (大型活动碳中和): events, their footprints and neutrality."""
